from django.contrib import admin

from .models import Staff, StaffRole, Store


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "store", "active"]
    list_filter = ["store", "active"]
    inlines = [StaffRoleInline]


admin.site.register(Store)
