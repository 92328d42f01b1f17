"""The op set, grouped by kind. Importing this package registers every op."""
from .elementwise import *  # noqa: F401,F403
from .elementwise import __all__ as _ew
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _la
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn
from .nn import erf  # noqa: F401
from .reductions import *  # noqa: F401,F403
from .reductions import __all__ as _red
from .shape import *  # noqa: F401,F403
from .shape import __all__ as _sh
from .conv import *  # noqa: F401,F403,E402
from .conv import __all__ as _conv  # noqa: E402

__all__ = [*_ew, *_la, *_nn, *_red, *_sh, *_conv, "erf"]
