"""The refusals of the checkout's services (sales, refunds, gift and series cards), by code."""

from __future__ import annotations

from tilli.errors import Conflict, ErrorCode, Invalid, NotFound


class SaleError(ErrorCode):
    EMPTY = "empty_sale", Invalid  # no lines
    LINE = "bad_line", Invalid  # a line lacks what its kind needs (a service, a product, a price)
    VAT = "vat_rate", Invalid  # the rate is not valid in the country on the day of the sale
    TENDER = "bad_tender", Invalid  # the payments do not pay the total (see billing.money.settle)
    NO_TILL = "no_open_till", Conflict  # cash without an open till at the location
    CARD_UNKNOWN = "card_unknown", NotFound  # no gift or series card with this code
    CARD_EXPIRED = "card_expired", Conflict
    CARD_VOID = "card_void", Conflict
    CARD_BALANCE = "card_balance", Conflict  # the card's balance or visits do not cover the payment
    CARD_SERVICE = "card_service", Conflict  # a series card pays only for its own service
    CLIENT = "client_restricted", Conflict  # the client's data is restricted or erased
    REFUND_TOO_MUCH = "refund_exceeds_sale", Conflict  # more than was sold minus earlier credits
    REFUND_OF_CREDIT = "refund_of_credit", Conflict  # a credit receipt cannot itself be refunded
    EMAIL = "bad_email", Invalid
    CARD_USED = "card_used", Conflict  # a sold card that was already used cannot be returned
