"""Every write of care: keyword-only, typed, one transaction; every change of state through core.fsm."""
