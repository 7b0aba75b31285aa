"""Running the generated k6 scripts: finding the k6 binary and running one scenario."""
