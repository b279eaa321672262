"""Channel adapters: each sends one rendered message and says what happened (``Outcome``).

``base.Channel`` is the whole interface; ``email`` (SMTP, aiosmtplib), ``gateway`` (SMS and
WhatsApp over an HTTP gateway: JSON or the form-encoded style of Indonesian gateways),
``push`` (FCM HTTP v1) implement it, ``fake`` for tests. ``webhook_http`` is the HTTP client
of the webhook dispatcher, which checks every address it connects to (SSRF).
"""
