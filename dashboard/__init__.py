"""The DPO dashboard (Streamlit)."""
