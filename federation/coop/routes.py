"""The cooperation area's admin routes, gathered for `federation.runtime.admin_routes`."""

from federation.coop import fund, review, twinning
from node.api.framework import declare_path
from protocol.schema import Field

# twinning and grant ids are record ids; a review framework's id is a name, a twinning action a
# word its handler checks (both left as text)
_ID = Field("id", str, format="hex64")
ROUTES = [*review.ROUTES, *declare_path([*twinning.ROUTES, *fund.ROUTES], _ID)]
