"""The pages of the app: one module per page (PATH, NAME, ORDER, layout(**query) and its callbacks)."""
