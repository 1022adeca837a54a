"""Automation opportunities: step scores, classification, business cases, exports.

Imports: eventlogs, mining (never app).
"""
