"""Open activities (活动招募): activities with slots by skill, sign-ups, waitlists and automatic promotion."""
