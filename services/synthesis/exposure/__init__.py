"""A fair order of exposure: which posts each participant is offered to react to next."""
