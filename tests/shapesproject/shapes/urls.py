from __future__ import annotations

from django.contrib import admin
from django.urls import path

from shapes import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("drf/nested/", views.drf_nested),
    path("drf/method/", views.drf_method),
    path("drf/deep/", views.drf_deep),
    path("m2m-self/", views.m2m_self),
    path("gfk/", views.generic_fk),
    path("soft-delete/", views.soft_deleted),
    path("mti/", views.mti_child),
    path("deferred/", views.deferred),
    path("exists/", views.per_row_exists),
    path("first/", views.per_row_first),
    path("aggregate/", views.per_row_aggregate),
    path("nested/", views.nested_loops),
    path("save/", views.save_loop),
    path("m2m-add/", views.m2m_add),
    path("signal/", views.signal_loop),
    path("async/", views.async_view),
    path("threads/", views.thread_pool),
    path("jinja/", views.jinja_loop),
    path("duplicate/", views.duplicate),
    path("clean/", views.clean),
    path("taggit/", views.taggit_loop),
]
