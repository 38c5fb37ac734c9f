"""Redemption (L3, a floor: the room exists so the import contracts hold it before it is built).

What goes here: the codes found in pasted text (relaxed and strict rules), and each redemption's
result per account (credited amount in USD or the site's message; a used or wrong code never
resent, a network failure retryable). The site call is a family operation (``sites``: redeem);
``sync/redeem.py`` joins it to this room. It imports ``store``, L0 and the ``accounts`` facade,
never ``net``, ``sites`` or another L3 room.
"""

__all__: list[str] = []
