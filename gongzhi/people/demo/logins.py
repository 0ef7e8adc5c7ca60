"""The demo logins, in one place so the seed command, README and the run script print the same list."""

from dataclasses import dataclass

from gongzhi.accounts.models import Role

# Shared by every demo account; the demo data is public, so is this.
DEMO_PASSWORD = "gongzhi-demo"  # noqa: S105
# The authenticator secret of every demo login that needs two-factor sign-in (development profile only; in
# production demo staff enrol their own). Add it to any authenticator app, or run `manage.py totp_code`.
DEMO_TOTP_SECRET = "GONGZHIDEMOGONGZHIDEMOGONGZHI234"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    area_code: str
    area_name: str


# Codes follow the demo plan: street 001 灵山卫, 002 长江路; 富春江路社区 = 002001; its grid 001 is 长江瑞城网格.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", Role.ADMIN, "370211", "黄岛区"),
    DemoLogin("street", Role.STREET_STAFF, "370211001", "灵山卫街道"),
    DemoLogin("community", Role.COMMUNITY_WORKER, "370211002001", "富春江路社区"),
    DemoLogin("grid", Role.GRID_WORKER, "370211002001001", "长江瑞城网格"),
    DemoLogin("microgrid", Role.MICROGRID_WORKER, "37021100200100101", "长江瑞城1号楼微网格"),
    DemoLogin("dept", Role.DEPARTMENT, "370211002", "长江路街道（综合行政执法中队）"),
    DemoLogin("party", Role.PARTY_MEMBER, "370211002001", "富春江路社区"),
    DemoLogin("volunteer", Role.VOLUNTEER, "370211002001", "富春江路社区"),
    DemoLogin("partner", Role.PARTNER, "370211001", "灵山卫街道（淘花园花卉园艺有限公司）"),
    DemoLogin("resident", Role.RESIDENT, "37021100200100101", "长江瑞城1号楼1单元101"),
    DemoLogin("children", Role.CHILD_DIRECTOR, "370211001", "灵山卫街道（儿童主任，关爱儿童档案）"),
)


# The demo logins the default policy (settings OTP_REQUIRED_*) asks a second factor of: roles that unmask or read
# care records, and roles held at a street or the district.
TWO_FACTOR_ROLES = frozenset(
    {Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.DEPARTMENT, Role.PARTNER, Role.CHILD_DIRECTOR}
)


def second_factor_line() -> str:
    return (
        f"Staff marked * also need a code (两步验证): add the key {DEMO_TOTP_SECRET} to an authenticator app, "
        "or run `manage.py totp_code` for the current one."
    )


def login_lines() -> list[str]:
    """One line per login: Chinese role, English role, username, password, area."""
    lines = []
    for login in DEMO_LOGINS:
        role = Role(login.role)
        english = role.value.replace("_", " ")
        mark = "*" if login.role in TWO_FACTOR_ROLES else " "
        lines.append(
            f"{mark}{login.username:<10} {DEMO_PASSWORD}  {role.label}（{english}）  {login.area_name} {login.area_code}"
        )
    return lines
