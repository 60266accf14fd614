"""Online payment gateways (Stripe, Paytrail, Przelewy24), each one small class behind `base.PaymentGateway`."""
