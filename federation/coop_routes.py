"""The cooperation area's admin routes, gathered for `federation.runtime.admin_routes`."""

from federation import fund, review, twinning

ROUTES = [*review.ROUTES, *twinning.ROUTES, *fund.ROUTES]
