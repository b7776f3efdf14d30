"""Flask extensions, created once here and bound to an app in `create_app()`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_security import Security
from flask_wtf.csrf import CSRFProtect

from .auth import QueueMailUtil

csrf = CSRFProtect()
babel = Babel()
mail = Mail()
# Flask-Security 5.9 reads `mail_util_cls` in its constructor only (`init_app` ignores it).
security = Security(mail_util_cls=QueueMailUtil)
limiter = Limiter(key_func=get_remote_address)
