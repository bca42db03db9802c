"""Each page's view model: what the page shows, as plain Python over the service's Snapshot (no Streamlit).

dashboard/state.py keeps one model of each page per (store revision, as-of day), so no widget change
recomputes what the page derives from the registry and its findings.
"""
