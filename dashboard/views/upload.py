"""Bring your own data: district values, and facility connection status files. Check an upload,
preview it privately, publish or store it only by right.

A thin page over etl/importer.py (the same checks as `python -m etl import-indicator`) and
dashboard/preview.py. An upload is a preview private to this session: the map, gaps and index
are recomputed for this session alone and nothing is written. Publishing for everyone (written
to <data_dir>/custom, logged in custom/imports.jsonl, shown after the next build) and withdrawing
are separate actions for signed-in ministry users only (dashboard.access.can_publish); with open
access the deployer publishes from the command line. Names, labels and sources from the file or
the form are shown as plain text, never as Markdown or HTML.

Facility connection status (the second section, chosen at the top): a ministry's list of schools
or clinics with connected yes/no, technology, speed and date, checked by etl/facility_status.py
exactly as `python -m etl import-facility-status` checks it (codes against this build's list,
unknown codes listed with close matches, all or nothing). Anyone who may view may check a file;
only those who may publish (the same dashboard.access.can_publish) store it under
<data_dir>/custom, and the next build applies it (map layers coloured by status, district
shares). Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import chart_downloads, data, preview, rebuild, signin, ui
from dashboard.selection import Selection
from etl import facility_status, geography, importer

PREVIEW_KEY = "upload_preview"
STATUS_KEY = "status_checked"  # the last accepted status file of this session, until stored or discarded

dataset = ui.require_dataset()
scope = signin.current_scope()
catalogue = data.catalogue()


def publish_gate(action: str, act: Callable[[], str]) -> None:
    """The one rule for writing for everyone: who may publish confirms, then acts (act returns the
    success message); a state official or an open-access visitor is told who can. `action` prefixes
    the widget keys and texts (<action>_confirm, _button, _state, _open)."""
    if scope.can_publish:
        confirmed = st.checkbox(ui.t(f"{action}_confirm"), key=f"{action}_confirm")
        if st.button(ui.t(f"{action}_button"), key=action, disabled=not confirmed, type="primary"):
            st.success(act())
    elif scope.role == "state":
        st.info(ui.t(f"{action}_state"))
    else:
        st.info(ui.t(f"{action}_open"))


def show_status_problems(result: facility_status.StatusResult, kind: str) -> None:
    """The refusal of a status file: a count, every problem,
    and each unknown code with its close matches (plain text)."""
    st.error(ui.t("upload_problems_preview", count=len(result.problems)))
    st.text("\n".join(f"• {problem}" for problem in result.problems))
    if result.suggestions:
        lines = [
            ui.t("upload_suggestion_plain", name=code, matches=", ".join(matches))
            if matches
            else ui.t("status_no_match_plain", name=code, kind=ui.t("status_kind_" + kind))
            for code, matches in result.suggestions.items()
        ]
        st.text("\n".join(lines))


def facility_status_section() -> None:
    """Check a status file against this build's schools or clinics; store it for the next build only by right."""
    st.markdown(ui.t("status_upload_intro", limit=importer.MAX_UPLOAD_MB, giga=facility_status.GIGA_MBPS))
    kind = st.radio(
        ui.t("status_kind"),
        list(facility_status.KINDS),
        format_func=lambda k: ui.t("status_kind_" + k),
        horizontal=True,
        key="status_kind",
    )
    st.download_button(
        ui.t("status_template"),
        facility_status.TEMPLATE_CSV.read_bytes(),
        file_name="jurang_facility_status_template.csv",
        mime="text/csv",
        key="status_template",
    )
    with st.form("status_form"):
        uploaded = st.file_uploader(ui.t("upload_file"), type=["csv", "xlsx"], key="status_file")
        source = st.text_input(
            ui.t("upload_source"),
            help=ui.t("upload_source_help"),
            key="status_source",
            max_chars=importer.MAX_LABEL_CHARS,
        )
        submitted = st.form_submit_button(ui.t("status_submit"), key="status_submit")

    if submitted:
        st.session_state.pop(STATUS_KEY, None)
        if uploaded is None:
            st.warning(ui.t("upload_missing_file"))
        elif uploaded.size > importer.MAX_UPLOAD_BYTES:  # refused before the bytes are read
            st.error(ui.t("upload_too_large", limit=importer.MAX_UPLOAD_MB))
        else:
            payload = uploaded.getvalue()
            result = facility_status.check_status(
                payload, uploaded.name, kind, dataset.facilities, declared_source=source
            )
            if result.ok:
                st.session_state[STATUS_KEY] = {
                    "result": result,
                    "data": payload,
                    "file": uploaded.name,
                    "kind": kind,
                    "source": source,
                }
            else:
                show_status_problems(result, kind)

    checked = st.session_state.get(STATUS_KEY)
    if checked is not None:
        summary = facility_status.status_summary(checked["result"].accepted)
        st.success(ui.t("status_accepted", kind=ui.t("status_kind_" + checked["kind"]), **summary))
        st.text(f"{checked['file']} · {checked['source'].strip() or '—'}")  # the uploader's words: plain text
        with st.expander(ui.t("status_values")):
            st.dataframe(checked["result"].accepted, hide_index=True, width="stretch")
        if st.button(ui.t("status_discard"), key="status_discard"):
            st.session_state.pop(STATUS_KEY, None)
            st.rerun()
        st.subheader(ui.t("status_store_heading"))

        def store() -> str:
            facility_status.store_status(
                checked["result"],
                checked["data"],
                checked["file"],
                checked["kind"],
                importer.custom_dir(),
                declared_source=checked["source"],
                by=scope.user,
                via="app",
            )
            st.session_state.pop(STATUS_KEY, None)
            rebuild.request()
            return ui.t("status_stored", kind=ui.t("status_kind_" + checked["kind"]))

        publish_gate("status_store", store)

    if scope.can_publish:
        st.subheader(ui.t("status_stored_heading"))
        stored = facility_status.stored_imports(importer.custom_dir())
        if not stored:
            st.caption(ui.t("status_stored_none"))
        for kind, provenance in stored.items():
            st.text(
                ui.t(
                    "status_stored_line",
                    kind=ui.t("status_kind_" + kind),
                    file=provenance["file"],
                    rows=provenance["rows"],
                    imported_at=provenance["imported_at"],
                    measured_from=provenance["measured_from"],
                    measured_to=provenance["measured_to"],
                )
            )


st.title(ui.t("upload_title"))
rebuilding = rebuild.status()  # the background build a publish (or withdrawal) started from this server
if scope.can_publish and rebuilding != "idle":
    {"running": st.info, "done": st.success, "failed": st.error}[rebuilding](
        ui.t("rebuild_" + rebuilding), icon=":material/sync:"
    )
# one section at a time (the district preview or the status check): each keeps its own widgets and messages
section = st.radio(
    ui.t("upload_section"),
    ["district", "facility"],
    format_func=lambda name: ui.t("upload_section_" + name),
    horizontal=True,
    key="upload_section",
)
if section == "facility":
    facility_status_section()
    st.stop()

st.markdown(ui.t("upload_intro_preview", limit=importer.MAX_UPLOAD_MB, rows=f"{importer.MAX_ROWS:,}"))

left, right = st.columns(2)
left.download_button(
    ui.t("upload_template_csv"),
    importer.TEMPLATE_CSV.read_bytes(),
    file_name="jurang_district_template.csv",
    mime="text/csv",
)
right.download_button(
    ui.t("upload_template_xlsx"),
    importer.template_xlsx(),
    file_name="jurang_district_template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

replaceable = [key for key, entry in catalogue.items() if not entry.get("custom") and entry["direction"] != "context"]
with st.form("upload_form"):
    uploaded = st.file_uploader(ui.t("upload_file"), type=["csv", "xlsx"], key="upload_file")
    indicator_id = st.text_input(ui.t("upload_id"), help=ui.t("upload_id_help"), key="upload_id", max_chars=60)
    col_en, col_ms = st.columns(2)
    label_en = col_en.text_input(ui.t("upload_label_en"), key="upload_label_en", max_chars=importer.MAX_LABEL_CHARS)
    label_ms = col_ms.text_input(ui.t("upload_label_ms"), key="upload_label_ms", max_chars=importer.MAX_LABEL_CHARS)
    unit_en = col_en.text_input(
        ui.t("upload_unit"), help=ui.t("upload_unit_help"), key="upload_unit", max_chars=importer.MAX_LABEL_CHARS
    )
    unit_ms = col_ms.text_input(ui.t("upload_unit_ms"), key="upload_unit_ms", max_chars=importer.MAX_LABEL_CHARS)
    higher = st.radio(
        ui.t("upload_direction"),
        [True, False],
        format_func=lambda h: ui.t("upload_higher" if h else "upload_lower"),
        horizontal=True,
        key="upload_direction",
    )
    replaces = st.selectbox(
        ui.t("upload_replaces"),
        [None, *replaceable],
        format_func=lambda key: ui.t("upload_replaces_none") if key is None else ui.label(key),
        help=ui.t("upload_replaces_help"),
        key="upload_replaces",
    )
    source = st.text_input(
        ui.t("upload_source"), help=ui.t("upload_source_help"), key="upload_source", max_chars=importer.MAX_LABEL_CHARS
    )
    allow_negative = st.checkbox(ui.t("upload_allow_negative"), key="upload_allow_negative")
    submitted = st.form_submit_button(ui.t("upload_preview_submit"), key="upload_submit")


def show_problems(result: importer.ImportResult) -> None:
    """The refusal: a count, then every problem and suggestion as plain text (they quote the file)."""
    st.error(ui.t("upload_problems_preview", count=len(result.problems)))
    st.text("\n".join(f"• {problem}" for problem in result.problems))
    if result.suggestions:
        lines = [
            ui.t("upload_suggestion_plain", name=name, matches=", ".join(matches))
            if matches
            else ui.t("upload_no_match_plain", name=name)
            for name, matches in result.suggestions.items()
        ]
        st.text("\n".join(lines))


if submitted:
    st.session_state.pop(PREVIEW_KEY, None)
    if uploaded is None:
        st.warning(ui.t("upload_missing_file"))
        st.stop()
    if uploaded.size > importer.MAX_UPLOAD_BYTES:  # refused before the bytes are read
        st.error(ui.t("upload_too_large", limit=importer.MAX_UPLOAD_MB))
        st.stop()
    request = importer.ImportRequest(
        indicator_id.strip(),
        label_en,
        label_ms,
        unit_en,
        higher,
        unit_ms=unit_ms,
        replaces=replaces,
        declared_source=source,
        allow_negative=allow_negative,
    )
    districts = dataset.districts[["code_state_district", "state", "district"]]
    result, entry = importer.prepare_import(
        uploaded.getvalue(), uploaded.name, request, districts, geography.load_aliases(), catalogue
    )
    if result.notes:
        st.text("\n".join(result.notes))
    if entry is None:
        show_problems(result)
    else:
        st.session_state[PREVIEW_KEY] = preview.derive(dataset, result.accepted, entry)

current: preview.Preview | None = st.session_state.get(PREVIEW_KEY)
if current is not None and current.base_token != dataset.token:  # the data was rebuilt: preview over the new build
    current = preview.derive(dataset, current.accepted, current.entry)
    st.session_state[PREVIEW_KEY] = current

if current is not None:
    provenance = current.entry["provenance"]
    st.warning(ui.t("upload_preview_banner"), icon=":material/visibility_lock:")
    st.text(
        ui.t(
            "upload_preview_what",
            values=provenance["rows"],
            districts=provenance["districts"],
            years=", ".join(map(str, provenance["years"])),
        )
    )
    st.text(
        f"{current.indicator_id} · {current.entry['label'][ui.language()]} ({current.entry['unit'][ui.language()]})"
        f" · {provenance['file']} · {provenance['declared_source']}"
    )
    shared_ranking = None
    if current.replaces:  # the shared index, built outside the preview's catalogue so the shared cache stays clean
        shared_ranking = ui.scene_for(dataset, Selection(page="index", lang=ui.language())).tables["ranking"].frame
    with current.scope() as session_data:
        map_scene = ui.scene_for(session_data, current.selection("map", ui.language()))
        st.subheader(ui.t("upload_preview_map"))
        figure = map_scene.figure_builders["map"](
            geojson_url=data.current_geojson_urls()["districts"], state_borders=data.state_borders(session_data, None)
        )
        st.plotly_chart(figure, config=chart_downloads.PLOTLY_CONFIG, width="stretch", key="preview_map")

        st.subheader(ui.t("upload_preview_gaps"))
        if current.entry["direction"] == "context":
            st.caption(ui.t("upload_preview_no_gap"))
        else:
            gaps_scene = ui.scene_for(session_data, current.selection("gaps", ui.language()))
            st.text(gaps_scene.sentences["gap"].replace("**", ""))
            st.dataframe(gaps_scene.tables["class_means"].display(), hide_index=True, width="stretch")

        st.subheader(ui.t("upload_preview_index"))
        if current.replaces:
            index_scene = ui.scene_for(session_data, current.selection("index", ui.language()))
            st.text(index_scene.sentences["index_inputs"])
            ranking = index_scene.tables["ranking"]
            shown = ranking.display(["need_rank", "district", "state", "index"])
            shown[ui.t("upload_rank_shared")] = preview.shared_ranks(ranking.frame, shared_ranking)
            st.dataframe(shown, hide_index=True, width="stretch")
        else:
            st.caption(ui.t("upload_preview_index_unchanged"))
    with st.expander(ui.t("upload_preview_values")):
        st.dataframe(current.accepted, hide_index=True, width="stretch")
    if st.button(ui.t("upload_discard"), key="upload_discard"):
        st.session_state.pop(PREVIEW_KEY, None)
        st.rerun()

    st.subheader(ui.t("upload_publish_heading"))

    def publish() -> str:
        importer.publish(current.accepted, current.entry, by=scope.user, via="app")
        st.session_state.pop(PREVIEW_KEY, None)
        rebuild.request()
        return ui.t("upload_published", id=current.indicator_id)

    publish_gate("upload_publish", publish)

if scope.can_publish:
    st.subheader(ui.t("upload_withdraw_heading"))
    published = importer.load_custom_entries(importer.custom_dir())
    if not published:
        st.caption(ui.t("upload_withdraw_none"))
    else:
        chosen = st.selectbox(ui.t("upload_withdraw_choose"), sorted(published), key="upload_withdraw_id")
        chosen_provenance = published[chosen].get("provenance", {})
        st.text(
            f"{published[chosen]['label'][ui.language()]} · {chosen_provenance.get('file', '')}"
            f" · {chosen_provenance.get('imported_at', '')}"
        )
        if st.button(ui.t("upload_withdraw_button"), key="upload_withdraw"):
            importer.withdraw(chosen, by=scope.user, via="app")
            rebuild.request()
            st.success(ui.t("upload_withdrawn", id=chosen))
