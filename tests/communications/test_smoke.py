from wijkregie.communications.services import newsletters as services


def test_send(world, mailoutbox, django_capture_on_commit_callbacks):
    n = world.newsletter()
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=n.pk)
    print([m.to for m in mailoutbox])
    print(mailoutbox[0].extra_headers, mailoutbox[0].body)
    print(mailoutbox[0].alternatives[0][0][:3000])
