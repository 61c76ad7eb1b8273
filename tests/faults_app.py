"""The app as gunicorn serves it, plus the test feature (tests/platform_support.py) and one fault:
while the file named by FAULTS_HANG_FILE exists, a callback's answer is held back after its
transaction has committed, so that the test can SIGKILL the worker between commit and reply."""
from __future__ import annotations

import os
import time

from flask import request


def create():
    import handlers
    from bot import create_app
    from tests.platform_support import register_test_feature

    app = create_app()
    router = handlers.build_router()
    register_test_feature(router)
    app.extensions["router"] = router

    @app.after_request
    def hang_after_commit(response):
        flag = os.environ.get("FAULTS_HANG_FILE", "")
        if flag and request.path.startswith("/wecom") and os.path.exists(flag):
            with open(flag + ".pid", "w") as out:  # which worker holds the answer
                out.write(str(os.getpid()))
            time.sleep(120)
        return response

    return app
