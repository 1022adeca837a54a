"""Builders of figures and components from mining and opportunity results (no queries here)."""
