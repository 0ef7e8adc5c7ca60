"""Writes of the points bank, one module per subject; import from the module (`from gongzhi.points.actions.awards
import award_propose`), this package re-exports nothing. Balances move only through the ledger.

- `schemes`: schemes, their system accounts and the "1+5+N" rule catalogue
- `accounts`: opening a household's or a person's account
- `awards`: proposing awards and deductions (one, bulk, from another app's source)
- `award_workflow`: moving an award through its states (the one mover), posting it to the ledger
- `award_sweep`: the `post_due_awards` sweep
- `expiry`: points expiry (FIFO) and the `expire_points` sweep
- `store`: items, redemption events and their stock
- `redemption`: placing, cancelling and handing over redemption orders
- `inputs`: checks of plain values shared by the above
"""
