"""The cluster deployment as files: the Zero to JupyterHub values against the chart's values
schema, the grading service's manifests against Kubernetes' own object models, the pieces
that must agree with each other and with the code (labels, names, ports, scopes), and the
hub's extraConfig run on a traitlets Config to show how it configures a real KubeSpawner."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from kubernetes_asyncio.client import ApiClient
from kubernetes_asyncio.config import kube_config
from traitlets.config import Config

from grading_service.auth import ACCESS, CUSTOM_SCOPES, SERVICE_NAME
from hub_config import kubernetes as hub_k8s
from sandbox.kubernetes import NETWORK_LABEL, NETWORK_NONE, RUNNER_LABEL, KubernetesSandbox
from tito.errors import TitoError
from tito.project import PROJECT_ROOT

K8S = PROJECT_ROOT / "docker" / "k8s"
# CI has ../shared beside the clone; a git worktree is one level further down.
SCHEMA = next((found for parent in PROJECT_ROOT.parents
               if (found := parent / "shared" / "z2jh" / "values.schema.yaml").is_file()),
              PROJECT_ROOT.parent / "shared" / "z2jh" / "values.schema.yaml")
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def values() -> dict:
    return yaml.safe_load((K8S / "values.yaml").read_text())


def grader_documents() -> list[dict]:
    return [doc for doc in yaml.safe_load_all((K8S / "grader.yaml").read_text()) if doc]


def by_kind(kind: str) -> list[dict]:
    return [doc for doc in grader_documents() if doc["kind"] == kind]


def deployment() -> dict:
    [found] = by_kind("Deployment")
    return found


def containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in [*pod.get("initContainers", []), *pod["containers"]]}


def _overlay_schema(schema: object) -> object:
    """The schema with its lists of required properties removed: Helm validates the chart's
    defaults merged with ours, and our file holds only what we change."""
    if isinstance(schema, dict):
        return {key: _overlay_schema(value) for key, value in schema.items()
                if not (key == "required" and isinstance(value, list))}
    if isinstance(schema, list):
        return [_overlay_schema(value) for value in schema]
    return schema


def check_values(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    schema = tmp_path / "values.schema.json"
    schema.write_text(json.dumps(_overlay_schema(yaml.safe_load(SCHEMA.read_text()))))
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(schema), str(path)],
                          capture_output=True, text=True, check=False, timeout=120)


def test_the_values_validate_against_the_charts_schema(tmp_path: Path) -> None:
    assert SCHEMA.is_file(), f"{SCHEMA} is missing: the z2jh schema lives in ../shared/z2jh"
    done = check_values(K8S / "values.yaml", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    # A misspelled key fails: the check is the schema's, not a formality.
    wrong = values()
    wrong["singleuser"]["storage"]["capacty"] = wrong["singleuser"]["storage"].pop("capacity")
    misspelled = tmp_path / "wrong.yaml"
    misspelled.write_text(yaml.safe_dump(wrong))
    done = check_values(misspelled, tmp_path)
    assert done.returncode == 1 and "capacty" in done.stdout


def test_the_values_pin_the_course_images_and_keep_secrets_out() -> None:
    hub, lab = values()["hub"], values()["singleuser"]
    assert hub["image"]["name"].endswith("/tinytorch/hub")  # as make images tags it
    assert lab["image"]["name"].endswith("/tinytorch/lab")
    for image in (hub["image"], lab["image"]):
        assert image["tag"] not in ("", "latest")
    assert hub["db"]["type"] == "postgres" and hub["db"]["url"].startswith("postgresql+psycopg://")
    assert "password" not in hub["db"] and hub["existingSecret"] == "tinytorch-hub-secrets"
    assert "apiToken" not in hub["services"][SERVICE_NAME]
    assert "api_token" not in hub["services"][SERVICE_NAME]
    assert values()["cull"]["enabled"] and values()["cull"]["timeout"] == 3600
    assert lab["storage"]["type"] == "dynamic"
    assert lab["cpu"]["limit"] and lab["memory"]["limit"]
    assert lab["cpu"]["guarantee"] and lab["memory"]["guarantee"]


def test_the_values_and_the_manifests_agree() -> None:
    hub, lab = values()["hub"], values()["singleuser"]
    pod = deployment()["spec"]["template"]
    [service] = by_kind("Service")
    port = service["spec"]["ports"][0]["port"]
    assert hub["services"][SERVICE_NAME]["url"] == f"http://{service['metadata']['name']}:{port}"
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    # Labs may reach the service; the service admits labs.
    [to_grader] = lab["networkPolicy"]["egress"]
    assert to_grader["to"][0]["podSelector"]["matchLabels"].items() <= \
        pod["metadata"]["labels"].items()
    assert to_grader["ports"] == [{"protocol": "TCP", "port": port}]
    [policy] = [p for p in by_kind("NetworkPolicy") if p["metadata"]["name"] == "tinytorch-grader"]
    [rule] = policy["spec"]["ingress"]
    sources = [source["podSelector"]["matchLabels"] for source in rule["from"]]
    assert any(labels.items() <= lab["extraLabels"].items() for labels in sources)
    # The service asks the hub who calls: the chart's hub policy admits this label.
    assert pod["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] == "true"
    # The hub's extraConfig is the code's.
    [snippet] = hub["extraConfig"].values()
    assert "from hub_config.kubernetes import configure" in snippet and "configure(c)" in snippet
    compile(snippet, "extraConfig", "exec")
    [secret_volume] = hub["extraVolumes"]
    [mount] = hub["extraVolumeMounts"]
    assert mount["name"] == secret_volume["name"] and mount["mountPath"] == str(hub_k8s.SETTINGS)


def test_sandbox_jobs_get_no_network_at_all() -> None:
    [policy] = [p for p in by_kind("NetworkPolicy")
                if p["spec"]["podSelector"].get("matchLabels") == {NETWORK_LABEL: NETWORK_NONE}]
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]


def test_the_runner_may_only_run_jobs_in_its_namespace() -> None:
    [role] = by_kind("Role")
    assert not by_kind("ClusterRole") and not by_kind("ClusterRoleBinding")
    rules = {(group, resource): set(rule["verbs"]) for rule in role["rules"]
             for group in rule["apiGroups"] for resource in rule["resources"]}
    assert rules == {("batch", "jobs"): {"create", "get", "list", "watch", "delete"},
                     ("", "pods"): {"get", "list", "watch"},
                     ("", "pods/attach"): {"create", "get"}}
    [binding] = by_kind("RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    [account] = by_kind("ServiceAccount")
    pod = deployment()["spec"]["template"]["spec"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"]}]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    # The token reaches the runner only, never the web service the network reaches.
    assert pod["automountServiceAccountToken"] is False
    mounting = [name for name, container in containers(pod).items()
                if any(m["name"] == "kube-api-access" for m in container["volumeMounts"])]
    assert mounting == ["runner"]


def test_every_container_has_limits_and_no_privilege_escalation() -> None:
    pod = deployment()["spec"]["template"]["spec"]
    for name, container in containers(pod).items():
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys(), name
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["capabilities"]["drop"] == ["ALL"], name
    web = containers(pod)["web"]
    assert web["securityContext"]["runAsNonRoot"] and "add" not in web["securityContext"][
        "capabilities"]


def test_the_runner_and_the_sandbox_share_the_volume_and_labels() -> None:
    pod = deployment()["spec"]["template"]
    sandbox = KubernetesSandbox()
    [claim] = by_kind("PersistentVolumeClaim")
    assert claim["metadata"]["name"] == sandbox.volume_claim
    runner = containers(pod["spec"])["runner"]
    env = {item["name"]: item.get("value") for item in runner["env"]}
    assert any(m["mountPath"] == sandbox.volume_mount and "subPath" not in m
               for m in runner["volumeMounts"])
    assert env["TMPDIR"].startswith(sandbox.volume_mount + "/")
    assert RUNNER_LABEL.items() <= pod["metadata"]["labels"].items()  # same_node's affinity


def test_the_service_gets_what_a_hub_service_needs() -> None:
    web = containers(deployment()["spec"]["template"]["spec"])["web"]
    env = {item["name"]: item for item in web["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == SERVICE_NAME
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{SERVICE_NAME}/"
    assert env["JUPYTERHUB_CLIENT_ID"]["value"] == f"service-{SERVICE_NAME}"
    assert json.loads(env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"]["value"]) == [ACCESS]
    assert set(json.loads(env["JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES"]["value"])) == set(
        CUSTOM_SCOPES)
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    # The key the chart reads the service's token from (hub.existingSecret).
    assert token == {"name": values()["hub"]["existingSecret"],
                     "key": f"hub.services.{SERVICE_NAME}.apiToken"}


class _Response:
    def __init__(self, document: dict) -> None:
        self.data = json.dumps(document)


def round_trip(document: dict) -> dict:
    """``document`` read into the Kubernetes client's model of its kind and written back:
    what the API knows of it. A misspelled field is missing from the result; a missing
    required one raises."""
    kind = "V1" + document["kind"]

    async def convert() -> dict:
        async with ApiClient() as client:
            return client.sanitize_for_serialization(
                client.deserialize(_Response(document), kind))

    return asyncio.run(convert())


def _normalized(document: object) -> object:
    """Quantities and ports as the client writes them (strings stay strings)."""
    return json.loads(json.dumps(document))


@pytest.mark.parametrize("index", range(len(grader_documents())))
def test_each_manifest_is_a_valid_kubernetes_object(index: int) -> None:
    document = grader_documents()[index]
    assert round_trip(document) == _normalized(document)


def test_the_sandbox_job_is_a_valid_kubernetes_object(tmp_path: Path) -> None:
    (tmp_path / "scratch").mkdir()
    (tmp_path / "package").mkdir()
    job = KubernetesSandbox(volume_mount=str(tmp_path)).manifest(
        [sys.executable, "-m", "sandbox.worker", "tinytorch.core.tensor"], tmp_path / "scratch",
        tmp_path / "package", slot=1)
    assert round_trip(job) == _normalized(job)
    # And the check catches a misspelling.
    security = job["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    security["readOnlyRootFilesytem"] = security.pop("readOnlyRootFilesystem")
    assert round_trip(job) != _normalized(job)


# The hub's configuration as the chart leaves it before extraConfig runs: its services
# (hub.services), roles (the idle culler's), singleuser settings (the values' cpu, memory,
# profileList, image), then hub_config.kubernetes.configure.


ROSTER = {"instructor": ["ines"], "ta": ["tom"], "student": ["sam", "sue"]}


def chart_config() -> Config:
    lab = values()["singleuser"]
    c = Config()
    c.JupyterHub.services = [{"name": SERVICE_NAME, "url": values()["hub"]["services"][
        SERVICE_NAME]["url"], "api_token": "from-the-secret"}]
    c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "services": [
        "jupyterhub-idle-culler"], "scopes": ["list:users"]}]
    c.KubeSpawner.image = f"{lab['image']['name']}:{lab['image']['tag']}"
    c.KubeSpawner.cpu_guarantee = lab["cpu"]["guarantee"]
    c.KubeSpawner.cpu_limit = lab["cpu"]["limit"]
    c.KubeSpawner.mem_guarantee = lab["memory"]["guarantee"]
    c.KubeSpawner.mem_limit = lab["memory"]["limit"]
    c.KubeSpawner.profile_list = lab["profileList"]
    c.KubeSpawner.environment = {"CHART": "kept"}
    return c


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    folder = tmp_path / "course-secret"
    folder.mkdir()
    (folder / "roster.json").write_text(json.dumps(ROSTER))
    (folder / "passwords.json").write_text(json.dumps(
        {user: f"pw-{user}" for users in ROSTER.values() for user in users}))
    return folder


@pytest.fixture
def kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KubeSpawner loads a client configuration when made: one for a cluster that is never
    asked (nothing here talks to an API server)."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "none",
        "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none",
                                                  "namespace": "tinytorch"}}],
        "users": [{"name": "none", "user": {"token": "none"}}]}))
    # The client reads $KUBECONFIG when it is imported (already, here): tell it directly.
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))


def spawner(c: Config, groups: list[str]):
    from kubespawner import KubeSpawner

    made = KubeSpawner(config=c, _mock=True)
    made.user.groups = [SimpleNamespace(name=group) for group in groups]
    made.user.name = "sam"
    return made


def test_the_course_configures_the_hub_and_its_services(settings: Path) -> None:
    c = hub_k8s.configure(chart_config(), settings)
    assert c.JupyterHub.authenticator_class == "hub_config.authenticator.CourseAuthenticator"
    assert c.CourseAuthenticator.accounts == {"ines": "pw-ines", "tom": "pw-tom",
                                              "sam": "pw-sam", "sue": "pw-sue"}
    assert c.Authenticator.admin_users == {"ines"}
    assert c.Authenticator.allowed_users == {"ines", "tom", "sam", "sue"}
    roles = {role["name"] for role in c.JupyterHub.load_roles}
    assert {"jupyterhub-idle-culler", "instructor", "teaching-assistant", "student",
            "grader-service"} <= roles
    assert c.JupyterHub.load_groups["student"] == {"users": ["sam", "sue"]}
    [grader] = c.JupyterHub.services
    assert grader["api_token"] == "from-the-secret" and grader["oauth_no_confirm"] is True
    assert set(grader["oauth_client_allowed_scopes"]) == set(CUSTOM_SCOPES)


def test_without_a_password_for_everyone_the_hub_does_not_start(settings: Path) -> None:
    (settings / "passwords.json").write_text(json.dumps({"ines": "x"}))
    with pytest.raises(TitoError, match="no first password for tom, sam, sue"):
        hub_k8s.configure(chart_config(), settings)
    (settings / "roster.json").unlink()
    with pytest.raises(TitoError, match=r"roster\.json is missing"):
        hub_k8s.configure(chart_config(), settings)


def test_without_the_grading_service_the_hub_does_not_start(settings: Path) -> None:
    c = chart_config()
    c.JupyterHub.services = []
    with pytest.raises(TitoError, match=r"hub\.services\.grader"):
        hub_k8s.configure(c, settings)


def test_a_students_lab_pod_is_the_course_lab(settings: Path, kubeconfig: None) -> None:
    c = hub_k8s.configure(chart_config(), settings)

    async def pod_of_a_student():
        student = spawner(c, ["student"])  # in the hub's event loop, as the hub makes it
        assert [p["slug"] for p in student.profile_list(student)] == ["course"]
        assert await student.options_form(student) == ""  # nothing to choose
        student.user_options = {}
        await student.load_user_options()
        return await student.get_pod_manifest()

    [container] = asyncio.run(pod_of_a_student()).spec.containers
    assert container.image.endswith("/tinytorch/lab:0.1.0")
    assert container.args[:len(hub_k8s.lab_command())] == hub_k8s.lab_command()
    # KubeSpawner's sizes: G is 2**30 bytes.
    assert container.resources.limits == {"cpu": 2, "memory": 4 * 1024**3}
    assert container.resources.requests == {"cpu": 0.25, "memory": 1024**3}
    assert container.working_dir == hub_k8s.LAB_HOME
    env = {item.name: item.value for item in container.env}
    assert env["TINYTORCH_GRADER_URL"] == "http://tinytorch-grader:8888/services/grader/"
    assert env["TITO_WORKSPACE"] == hub_k8s.LAB_HOME and env["CHART"] == "kept"


def test_staff_may_pick_the_larger_lab(settings: Path, kubeconfig: None) -> None:
    c = hub_k8s.configure(chart_config(), settings)

    async def pod_of_a_ta():
        ta = spawner(c, ["ta"])
        assert [p["slug"] for p in ta.profile_list(ta)] == ["course", "staff"]
        assert "staff" in await ta.options_form(ta)
        ta.user_options = {"profile": "staff"}
        await ta.load_user_options()
        return await ta.get_pod_manifest()

    async def student_asks_for_staff() -> None:
        student = spawner(c, ["student"])
        student.user_options = {"profile": "staff"}
        await student.load_user_options()

    [container] = asyncio.run(pod_of_a_ta()).spec.containers
    assert container.resources.limits == {"cpu": 4, "memory": 8 * 1024**3}
    # A student asking for it through the API is refused.
    with pytest.raises(ValueError):
        asyncio.run(student_asks_for_staff())
