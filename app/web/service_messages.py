"""Messages the services raise that pages show, listed so pybabel extracts them for translation."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802
    """Mark a message for extraction without translating it here."""
    return message


SERVICE_MESSAGES = (
    N_("county not found in your scope"),
    N_("dispatch runs per county centre"),
    N_("each skill may appear once"),
    N_("give at least one time window"),
    N_("menu item not found"),
    N_("not rated yet"),
    N_("only a served order can be rated"),
    N_("only county staff may run dispatch"),
    N_("only residents and station staff may place orders"),
    N_("only staff may change headcount or priority"),
    N_("only the resident or station staff may cancel"),
    N_("only the resident or station staff may rate"),
    N_("only the team lead or staff may change this"),
    N_("only the team's lead may answer this proposal"),
    N_("only the volunteer, their lead or station staff may record this"),
    N_("order not found"),
    N_("proposal not found"),
    N_("run not found"),
    N_("say which volunteer"),
    N_("say who the service is for: resident_id or a walk-in resident"),
    N_("say why the team declines"),
    N_("stars must be 1 to 5"),
    N_("station not found in your scope"),
    N_("station not found"),
    N_("team not found"),
    N_("the order has no accepted crew"),
    N_("the order is beyond the replacement's distance limit"),
    N_("the proposal's deadline has passed"),
    N_("the replacement is already on the crew"),
    N_("the replacement is not available then"),
    N_("the replacement is rostered elsewhere then"),
    N_("the replacement must be an active member of the team"),
    N_("the window ends before it starts"),
    N_("the window is already over"),
    N_("the window is too far ahead"),
    N_("this menu item cannot be ordered at this station"),
    N_("this order has already been rated"),
    N_("this service is ordered through station staff"),
    N_("this volunteer has already checked in"),
    N_("this volunteer has already checked out"),
    N_("this volunteer has not checked in"),
    N_("this volunteer is not on the crew"),
    N_("two exceptions start at the same day and minute"),
    N_("unknown menu item"),
    N_("unknown resident"),
    N_("unknown station"),
    N_("unknown team"),
    N_("unknown user"),
    N_("volunteer not found"),
)
