"""A process owner's own diagram through the workbench's HTTP routes: what the modeler's calls answer."""

import json


def test_a_diagram_over_the_limit_is_refused_in_json_the_modeler_shows(app, browser):
    """The modeler's fetch got the HTML error page and showed '草稿保存失败：HTTP 413'."""
    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")
    big = "<bpmn:definitions>" + "填" * (2 * 1024 * 1024) + "</bpmn:definitions>"  # 6 MB in UTF-8
    for method, url in (("PUT", "/modeler/api/draft"), ("POST", "/modeler/api/lint"), ("POST", "/modeler/api/deploy")):
        response = b.client.open(url, method=method, data=json.dumps({"process_key": "x", "xml": big}),
                                 content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 413, url
        assert response.get_json()["message"].startswith("提交的内容过大：此页面一次最多接收 "), url
