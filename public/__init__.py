"""Everything a customer or visitor reaches: the public and personal pages' blueprints."""


def init_app(app):
    """Register the customer and visitor blueprints (the web layer is set up before)."""
    from . import account, alerts, api, favourites, feeds, media, reviews, showcase, signin, text

    app.register_blueprint(showcase.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(signin.bp)
    app.register_blueprint(favourites.bp)
    app.register_blueprint(alerts.bp)
    api.init_app(app)
    # Sellers' text on item pages, meta descriptions and the feed (public pages only).
    app.jinja_env.filters["linkify"] = text.linkify
    app.jinja_env.filters["excerpt"] = text.excerpt
