from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/claim/", views.claim, name="claim"),
    path("items/<int:item_id>/release/", views.release, name="release"),
    path("items/<int:item_id>/dismiss/", views.dismiss, name="dismiss"),
]
