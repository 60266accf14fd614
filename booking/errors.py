"""The refusals of booking's services, by code (stable: the API answers with them).

Each code names its kind (tilli.errors), which decides its HTTP status (api.errors); the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tilli.errors import Conflict, ErrorCode, Invalid


class BookingError(ErrorCode):
    SLOT_TAKEN = "slot_taken", Conflict  # another appointment holds the time (or it never was free)
    NOT_WORKING = "not_working", Conflict  # outside the staff member's hours, time off or a closed holiday
    NOT_QUALIFIED = "not_qualified", Conflict  # the staff member does not perform the service
    WRONG_STATE = "wrong_state", Conflict  # the appointment's state does not allow it (see ALLOWED_TRANSITIONS)
    LENGTH_FIXED = "length_fixed", Invalid  # the service's length cannot be changed
    CHANGE_CLOSED = "change_closed", Conflict  # past the service's deadline for changing a booking online


class SlotTaken(Conflict):
    """The time is no longer free (someone was faster, or it never was).

    The code says why where a service could tell: `slot_taken` (another appointment holds it),
    `not_working` or `not_qualified`.
    """

    MESSAGES = {
        BookingError.SLOT_TAKEN: _("This time was just taken. Please choose another time."),
        BookingError.NOT_WORKING: _("The staff member does not work then. Please choose another time."),
        BookingError.NOT_QUALIFIED: _("The staff member does not perform this service."),
    }

    def __init__(self, code: BookingError | str = BookingError.SLOT_TAKEN) -> None:
        code = BookingError(code) if code in self.MESSAGES else BookingError.SLOT_TAKEN
        super().__init__(code, str(self.MESSAGES[code]))

    def __reduce__(self):
        return self.__class__, (self.code,)
