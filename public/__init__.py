"""Everything a customer or visitor reaches: the public and personal pages' blueprints."""


def init_app(app):
    """Register the customer and visitor blueprints (the web layer is set up before)."""
    from . import account, feeds, media, reviews, showcase

    app.register_blueprint(showcase.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(feeds.bp)
