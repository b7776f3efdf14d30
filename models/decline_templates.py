"""Common reasons for declining a listing, kept by moderators in the admin.

The decline form offers them as templates: picking one fills the reason box,
which the moderator can still edit before declining.
"""

from peewee import CharField, DateTimeField, IntegerField, TextField

from .db import BaseModel
from .users import utcnow


class DeclineTemplate(BaseModel):
    title = CharField(max_length=100)
    text = TextField()
    position = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def ordered(cls):
        return cls.select().order_by(cls.position, cls.title, cls.id)

    def __str__(self):
        return self.title
