"""Sign-in: Streamlit's OpenID Connect login when the deployer configured it, mapped to a scope
(ministry: everything; state official: their state) by dashboard.access; open access otherwise."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard import access
from etl.contract import STATE_NAMES
from dashboard.ui import t


def auth_configured() -> bool:
    """True when the deployer configured Streamlit's OpenID Connect login ([auth] in secrets)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


def resolve_scope() -> access.Scope:
    """Sign the user in when login is configured and map them to a scope; open access otherwise."""
    if not auth_configured():
        scope = access.OPEN
    else:
        if not st.user.get("is_logged_in", False):
            st.title("Jurang")
            st.write(t("login_prompt"))
            st.button(t("login"), on_click=st.login, icon=":material/login:")
            st.stop()
        scope = access.scope_for(st.user.get("email"), access.load_access(set(STATE_NAMES)))
        with st.sidebar:
            st.text(
                t("signed_in_as", email=st.user.get("email", "?"), scope=scope.state or t("all_states"))
            )  # from the identity provider: plain text, never markdown
            st.button(t("logout"), on_click=st.logout, icon=":material/logout:")
        if not scope.can_view:
            st.error(t("no_access"))
            st.stop()
    st.session_state["scope"] = scope
    return scope


def current_scope() -> access.Scope:
    return st.session_state.get("scope", access.OPEN)
