from ninja import Router

from gongzhi.accounts.auth import api_auth

router = Router(tags=["rosters"], auth=api_auth)
