"""Where the test suite finds the repository and its catalogs."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AMPEL = REPO / "catalog" / "ampel.yaml"
CHECKOUT = REPO / "tests" / "catalogs" / "checkout.yaml"
CATALOGS = {"ampel": AMPEL, "checkout": CHECKOUT}
GOLDEN = REPO / "tests" / "golden"
ORDERS = REPO / "examples" / "orders"  # a project of its own: catalog/, .obsgen.yaml and its artifacts
