"""A unit of work over the Flask-SQLAlchemy session (cosmicpython's pattern, kept small)."""

from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.services import StaleState, _l


@contextmanager
def unit_of_work(conflict_message: str = _l("该事项已被他人处理，请刷新后查看最新状态。")):
    """Commit everything done inside the block at once, or nothing at all.

    A stale optimistic-lock version (another user saved the same instance first) and a
    database lock timeout both become ``Conflict`` with a message for the user.
    """
    try:
        yield db.session
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleState(conflict_message) from exc
    except OperationalError as exc:
        db.session.rollback()
        if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
            raise StaleState(conflict_message) from exc
        raise
    except BaseException:
        db.session.rollback()
        raise
