"""Hyperpath's edges: the command line (and, later, the Dash web app).

No analysis logic lives here: commands parse flags, call one public function of
eventlogs/mining/opportunity and print its result.
"""
