"""Order lifecycle: applies commands and venue events, emits execution reports."""
