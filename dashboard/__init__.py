"""Jurang dashboard: Streamlit pages over the processed district tables."""
