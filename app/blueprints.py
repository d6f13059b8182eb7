"""The blueprints the app registers: REST API (flask-smorest) and pages."""

from app.accounts.api import blp as accounts_api
from app.accounts.views import bp as accounts_views
from app.activities.api import blp as activities_api
from app.activities.views import bp as activities_views
from app.audit.api import blp as audit_api
from app.audit.views import bp as audit_views
from app.coverage.api import blp as coverage_api
from app.coverage.views import bp as coverage_views
from app.deliberation.api import blp as deliberation_api
from app.deliberation.views import bp as deliberation_views
from app.dispatch.api import blp as dispatch_api
from app.dispatch.views import bp as dispatch_views
from app.incentives.api import blp as incentives_api
from app.incentives.views import bp as incentives_views
from app.menu.api import blp as menu_api
from app.menu.views import bp as menu_views
from app.ops.views import bp as ops_views
from app.orders.api import blp as orders_api
from app.orders.views import bp as orders_views
from app.rosters.api import blp as rosters_api
from app.rosters.views import bp as rosters_views
from app.scheduling.views import bp as scheduling_views
from app.showcase.api import blp as showcase_api
from app.showcase.views import bp as showcase_views
from app.stations.api import blp as stations_api
from app.stations.views import bp as stations_views
from app.visits.api import blp as visits_api
from app.visits.views import bp as visits_views
from app.volunteers.api import blp as volunteers_api
from app.volunteers.views import bp as volunteers_views
from app.web.views import bp as web_views

API_BLUEPRINTS = [
    accounts_api,
    stations_api,
    menu_api,
    volunteers_api,
    orders_api,
    dispatch_api,
    rosters_api,
    coverage_api,
    incentives_api,
    deliberation_api,
    visits_api,
    activities_api,
    showcase_api,
    audit_api,
]

PAGE_BLUEPRINTS = [
    ops_views,
    web_views,
    rosters_views,
    scheduling_views,
    accounts_views,
    menu_views,
    orders_views,
    volunteers_views,
    dispatch_views,
    coverage_views,
    incentives_views,
    deliberation_views,
    visits_views,
    activities_views,
    showcase_views,
    audit_views,
    stations_views,
]
