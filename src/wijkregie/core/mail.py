"""Sending e-mail: one place for templates, the recipient's language and when it is sent.

An app writes, per message, one notification function (in its `notifications.py`) that
reads the committed state by id, decides the recipients and what they may know, and calls
`mail_send`; a task in its `tasks.py` made with `mail_task` calls that function; a service
enqueues the task inside its transaction with ids only (never addresses or texts):

    # cases/tasks.py
    @mail_task()
    def case_assigned_notify(*, assignment_id: int) -> int:
        return notifications.case_assigned_send(assignment_id=assignment_id)

    # cases/services.py, inside transaction.atomic()
    tasks.case_assigned_notify.enqueue(assignment_id=assignment.pk)

    # cases/notifications.py
    mail_send(to=[address], template="cases/email/assigned", context={...}, language="tr")

A mail task is enqueued when the transaction commits (`transaction.on_commit`): a change
that is rolled back sends nothing, and the worker always reads what was committed.
`mail_send` renders `<template>_subject.txt`, `<template>.txt` and `<template>.html` in the
recipient's language (none given: the default language), and sends a plain-text body with
an HTML alternative. With `mjml=True` the HTML comes from `<template>.mjml`, compiled by
mjml-python (responsive mail that mail clients render alike; newsletters). `headers` adds
mail headers (List-Unsubscribe); `metadata` travels with the message to providers that
report bounces and complaints back (django-anymail; ignored by other backends). No other
module sends mail itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from django_tasks import task
from django_tasks.base import DEFAULT_TASK_PRIORITY, Task
from mjml import mjml2html

from wijkregie.core.logging import log_event


@dataclass(frozen=True, slots=True, kw_only=True)
class MailTask(Task):
    """A django-tasks task that is enqueued when the current transaction commits."""

    def enqueue(self, *args, **kwargs) -> None:  # the result exists only after the commit
        transaction.on_commit(partial(Task.enqueue, self, *args, **kwargs))


def mail_task(
    function: Callable | None = None, *, priority: int = DEFAULT_TASK_PRIORITY, **options
):
    """`@task()` for a function that sends mail: the same options, enqueued on commit."""

    def wrapper(f: Callable) -> MailTask:
        plain = task(priority=priority, **options)(f)
        return MailTask(
            func=plain.func,
            priority=plain.priority,
            backend=plain.backend,
            queue_name=plain.queue_name,
            run_after=plain.run_after,
            takes_context=plain.takes_context,
        )

    return wrapper(function) if function else wrapper


def mail_language(language: str | None) -> str:
    """The recipient's language (the public pages speak more than the staff interface),
    else the default language. Texts without a translation in it are sent in English."""
    return (language or "").strip().lower() or settings.LANGUAGE_CODE


def mail_send(
    *,
    to: list[str],
    template: str,
    context: dict,
    language: str | None,
    log_object: str = "",
    headers: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
    mjml: bool = False,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> int:
    """Render the three templates in the recipient's language and send; returns 0 or 1.

    `template` is the path without its ending ("reports/email/reporter_status").
    `attachments` are (file name, content, MIME type). The log line names the template
    and `log_object`, never the addresses.
    """
    if not to:
        return 0
    with translation.override(mail_language(language)):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        if mjml:
            html = mjml2html(render_to_string(f"{template}.mjml", context))
        else:
            html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    if metadata:
        message.metadata = metadata  # django-anymail's ESP metadata
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    sent = message.send()
    log_event(
        "email_sent",
        action=template.rsplit("/", 1)[-1],
        object=log_object,
        result=sent,
        origin="task",
        recipients=len(to),
    )
    return sent
