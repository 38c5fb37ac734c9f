"""allhub core: the headless library behind the dashboard and the CLI.

Never imports streamlit: the dashboard pages are thin layers over these modules,
and the CLI is a thin layer over the same calls.
"""

__version__ = "0.1.0"
