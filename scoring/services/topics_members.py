"""What members do with topics: hide, restore, dispute, and give +K.

The +K rules, all checked under a lock on the giver's member row (so two requests at once
cannot both pass a limit):
- never to oneself (also a database constraint);
- only to a member whose profile is public, on a topic that member has evidence for in the
  latest scores and has not hidden;
- at most ``PLUS_K_PER_DAY`` in any 24 hours;
- the same person and topic at most once in ``PLUS_K_REPEAT_DAYS`` days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import PermissionDenied
from scoring.errors import DisputeRefused, PlusKLimit, PlusKRefused, TopicNotShown
from scoring.models import Member, PlusK, Topic, TopicDispute, TopicHide, Visibility
from scoring.selectors.topics import member_topic_score

PLUS_K_PER_DAY = 5
PLUS_K_REPEAT_DAYS = 7
DISPUTE_REASON_MIN = 10
DISPUTE_REASON_MAX = 2000


def topic_hide(*, member: Member, topic: Topic) -> TopicHide:
    """Hide the topic from every view and from campaign eligibility. Idempotent."""
    hide, _ = TopicHide.objects.get_or_create(member=member, topic=topic)
    return hide


def topic_restore(*, member: Member, topic: Topic) -> None:
    """Show the topic again (when it still has evidence). Idempotent."""
    TopicHide.objects.filter(member=member, topic=topic).delete()


def topic_dispute_create(*, member: Member, topic: Topic, reason: str) -> TopicDispute:
    """Tell staff the topic is wrong, and why. The topic must be one the member has (shown
    or hidden); one open dispute per topic."""
    reason = (reason or "").strip()
    if not DISPUTE_REASON_MIN <= len(reason) <= DISPUTE_REASON_MAX:
        raise DisputeRefused(
            f"Say why in {DISPUTE_REASON_MIN} to {DISPUTE_REASON_MAX} characters.",
            field="reason",
        )
    if member_topic_score(member=member, topic=topic, include_hidden=True) is None:
        raise TopicNotShown(f"You have no evidence for {topic.name}: there is nothing to dispute.")
    try:
        with transaction.atomic():
            return TopicDispute.objects.create(member=member, topic=topic, reason=reason)
    except IntegrityError:
        raise DisputeRefused(
            f"You already have an open dispute about {topic.name}; staff will answer it."
        ) from None


@transaction.atomic
def topic_dispute_resolve(
    *, dispute: TopicDispute, upheld: bool, response: str, staff_user
) -> TopicDispute:
    """Staff answer a dispute. Upholding it hides the topic for the member. The member is
    told by e-mail."""
    if not getattr(staff_user, "is_staff", False):
        raise PermissionDenied("Only site staff resolve disputes.")
    dispute = TopicDispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != TopicDispute.Status.OPEN:
        raise DisputeRefused("This dispute has been answered already.")
    dispute.status = TopicDispute.Status.UPHELD if upheld else TopicDispute.Status.REJECTED
    dispute.staff_response = response.strip()
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "staff_response", "resolved_at"])
    if upheld:
        topic_hide(member=dispute.member, topic=dispute.topic)
    _dispute_answer_send(dispute)
    return dispute


def _dispute_answer_send(dispute: TopicDispute) -> None:
    from core.tasks import email_send

    user = dispute.member.user
    if user is None or not user.email:
        return
    body = (
        f"You disputed the topic {dispute.topic.name}.\n\n"
        f"Our answer: {dispute.get_status_display()}.\n\n{dispute.staff_response}\n"
    )
    transaction.on_commit(
        lambda: email_send.delay(
            to=[user.email], subject=f"Your dispute about {dispute.topic.name}", body=body
        )
    )


def _plus_k_checks(giver: Member, receiver: Member, topic: Topic, now: datetime) -> None:
    if giver.pk == receiver.pk:
        raise PlusKRefused("You cannot give +K to yourself.")
    if receiver.visibility != Visibility.PUBLIC:
        raise PlusKRefused("This member's profile is not public.")
    if member_topic_score(member=receiver, topic=topic) is None:
        raise PlusKRefused(f"+K is given only on topics with evidence; {topic.name} has none.")
    day = PlusK.objects.filter(giver=giver, given_at__gt=now - timedelta(days=1))
    if day.count() >= PLUS_K_PER_DAY:
        oldest = day.order_by("given_at").values_list("given_at", flat=True).first()
        raise PlusKLimit(
            f"You can give {PLUS_K_PER_DAY} +K in 24 hours; the next one is possible at "
            f"{oldest + timedelta(days=1):%Y-%m-%d %H:%M} UTC."
        )
    repeat = (
        PlusK.objects.filter(
            giver=giver,
            receiver=receiver,
            topic=topic,
            given_at__gt=now - timedelta(days=PLUS_K_REPEAT_DAYS),
        )
        .values_list("given_at", flat=True)
        .first()
    )
    if repeat is not None:
        raise PlusKLimit(
            f"You gave this member +K on {topic.name} on {repeat:%Y-%m-%d}; you can again "
            f"from {repeat + timedelta(days=PLUS_K_REPEAT_DAYS):%Y-%m-%d %H:%M} UTC."
        )


def plus_k_give(
    *, giver: Member, receiver: Member, topic: Topic, now: datetime | None = None
) -> PlusK:
    """Give +K. Raises ``PlusKRefused`` or ``PlusKLimit`` with the rule that said no."""
    now = now or timezone.now()
    with transaction.atomic():
        # One giver's +K are decided one at a time: the limits count committed rows.
        giver = Member.objects.select_for_update().get(pk=giver.pk)
        receiver = Member.objects.get(pk=receiver.pk)
        _plus_k_checks(giver, receiver, topic, now)
        return PlusK.objects.create(giver=giver, receiver=receiver, topic=topic, given_at=now)
