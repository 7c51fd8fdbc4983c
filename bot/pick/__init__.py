"""/pick: the server's poll of what to watch next (`poll`: the poll's body and its winner, pure; `job`: the
background job that posts the winner once a poll ended)."""
