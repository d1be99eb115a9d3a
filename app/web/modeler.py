"""流程设计: the web modeler's page and its JSON endpoints (drafts, deploy check, dry run, deploy)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.services import (
    PermissionDenied,
    ServiceError,
    casework,
    deploy_check,
    deployment,
    drafts,
    query_args,
    versions,
)
from app.services.catalogue import gettext as _

bp = Blueprint("modeler", __name__, url_prefix="/modeler")


def _owner():
    if not deploy_check.can_deploy(current_user):
        abort(403)


def _refusal(exc: Exception, status: int = 400):
    return jsonify({"message": str(exc), "problems": getattr(exc, "problems", [])}), status


def _json() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser follows ([[[[…): not an object either
        body = None
    if not isinstance(body, dict):
        raise ServiceError(_("请求内容应为 JSON 对象。"))
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\\ud800) is no text to parse or store
    except UnicodeEncodeError as exc:
        raise ServiceError(_("请求体含有无效的 Unicode 字符（孤立的代理项）。")) from exc
    return body


def _xml(body: dict) -> str:
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise ServiceError(_("没有收到流程图。"))
    return xml


@bp.route("/")
def index():
    _owner()
    return render_template("workbench/modeler_index.html", processes=versions.processes(),
                           drafts=drafts.mine(current_user))


@bp.route("/edit")
def edit():
    _owner()
    key = request.args.get("process", "")
    from_version = request.args.get("version", type=query_args.row_id)
    texts = {
        "saving": _("正在保存草稿……"), "saved": _("草稿已保存"), "saveFailed": _("草稿保存失败"), "unsaved": _("有未保存的修改"),
        "confirmDiscard": _("放弃草稿，回到当前版本？草稿中的修改将丢失。"), "serverCheck": _("部署检查"),
        "bpmnCheck": _("BPMN 检查"), "noProblems": _("没有发现问题。"), "error": _("错误"), "warning": _("警告"),
        "running": _("正在试运行……"), "badSample": _("示例数据不是有效的 JSON"), "pathLength": _("经过的元素"),
        "timers": _("定时器（按试运行时的计算）"), "userTasks": _("遇到的用户任务"), "commentRequired": _("请填写部署说明。"),
        "deploying": _("正在部署……"), "seeVersions": _("查看版本"), "openFailed": _("流程图无法打开"),
        "restoredLocal": _("已恢复本机上次未保存的修改，正在保存草稿……"),
        "confirmOpen": _("用所选文件替换画布上的流程图？替换后可用“放弃草稿”回到当前版本。"),
        "opened": _("已打开文件 %(name)s，正在保存为草稿……"),
        "openedRenamed": _("已打开文件 %(name)s：其中 %(n)s 处 Activiti / Flowable 的写法已改为 Camunda 的写法"
                           "（属性面板显示的就是它们），正在保存为草稿……"),
        "fileConversion": _("文件转换"),
        "notBpmn": _("文件无法作为 BPMN 流程图打开"),
        "notXml": _("它不是 BPMN 2.0 的 XML 文件（找不到 definitions 元素）"),
        "badEncoding": _("文件中有字符不符合它声明的编码（没有声明时按 UTF-8 读）：请在建模工具中另存为 UTF-8，"
                         "或在第一行写明文件实际的编码，例如 encoding=\"GBK\""),
        "unknownEncoding": _("文件第一行声明的编码 %(name)s 无法识别：请在建模工具中另存为 UTF-8"),
        "importFailed": _("建模器读不懂其中的元素或属性：请在 Camunda Modeler 中打开该文件，按提示修正后另存再打开"),
        "noLayout": _("文件没有图形布局（BPMN DI），也无法自动排版（文件中找不到可以排版的流程）。请用 Camunda Modeler 等建模工具打开"
                      "并重新保存后再上传。"),
        "laidOut": _("文件没有图形布局（BPMN DI），已按流程顺序自动排版；请检查图形后保存。"),
    }
    config = {
        "processKey": key, "fromVersion": from_version, "csrf": generate_csrf(), "texts": texts,
        "userId": current_user.id,
        "locale": str(get_locale() or ""),
        "urls": {"draft": url_for("modeler.draft"), "lint": url_for("modeler.lint"),
                 "camundaTerms": url_for("modeler.camunda_terms"),
                 "dryRun": url_for("modeler.dry_run"), "deploy": url_for("modeler.deploy")},
    }
    return render_template("workbench/modeler.html", config=config, process_key=key,
                           sample=json.dumps(deploy_check.sample_data(key), ensure_ascii=False, indent=1),
                           comment_limit=deployment.COMMENT_LIMIT)


@bp.route("/api/draft", methods=["GET", "PUT", "DELETE"])
def draft():
    _owner()
    try:
        if request.method == "GET":
            opened = drafts.open_for(current_user, request.args.get("process_key", ""),
                                     request.args.get("version", type=query_args.row_id))
            if opened["source"] == "draft":
                note = _("打开的是你的草稿（%(at)s 保存），尚未部署。", at=casework.local_text(opened["saved_at"]))
            elif opened["source"] == "version":
                v = opened["version"]
                note = _("打开的是第 %(n)s 版（%(at)s 部署）。修改会自动保存为你的草稿。", n=v.version,
                         at=casework.local_text(v.deployed_at))
            else:
                note = _("新流程：修改会自动保存为你的草稿。")
            return jsonify({"xml": opened["xml"], "source": opened["source"], "note": note})
        body = _json()
        key = str(body.get("process_key") or "")
        if request.method == "DELETE":
            drafts.discard(current_user, key)
            return jsonify({"ok": True})
        saved = drafts.save(current_user, key, _xml(body))
        return jsonify({"saved_at": saved.updated_at.isoformat(), "saved_at_text": casework.local_text(saved.updated_at)})
    except PermissionDenied as exc:
        return _refusal(exc, 403)
    except ServiceError as exc:
        return _refusal(exc)


@bp.route("/api/lint", methods=["POST"])
def lint():
    _owner()
    try:
        return jsonify({"problems": deploy_check.lint(_xml(_json()))})
    except ServiceError as exc:
        return _refusal(exc)


@bp.route("/api/camunda-terms", methods=["POST"])
def camunda_terms():
    """打开文件 of a diagram written for Activiti or Flowable: the file in the Camunda terms the panel shows."""
    _owner()
    try:
        return jsonify(deploy_check.in_camunda_terms(_xml(_json())))
    except ServiceError as exc:
        return _refusal(exc)


@bp.route("/api/dry-run", methods=["POST"])
def dry_run():
    _owner()
    try:
        body = _json()
        report = deploy_check.dry_run(_xml(body), body.get("sample_data"))
    except ServiceError as exc:
        return _refusal(exc)
    for timer in report["timers"]:
        timer["due_text"] = timer["due"][:16].replace("T", " ")
    return jsonify(report)


@bp.route("/api/deploy", methods=["POST"])
def deploy():
    _owner()
    try:
        body = _json()
        version = deploy_check.deploy(_xml(body), current_user, str(body.get("comment") or ""))
    except deploy_check.DeployRefused as exc:
        return jsonify({"ok": False, "message": str(exc), "problems": exc.problems})
    except PermissionDenied as exc:
        return _refusal(exc, 403)
    except ServiceError as exc:
        return jsonify({"ok": False, "message": str(exc), "problems": []})
    return jsonify({"ok": True, "version": version.version, "process_key": version.process_key,
                    "message": deployment.deployed_message(version),
                    "versions_url": url_for("process_versions.show", process_key=version.process_key)})
