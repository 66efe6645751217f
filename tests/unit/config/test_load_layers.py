"""Layer versions and EphemeralStorage from SAM and CloudFormation templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import TemplateLayer

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
SAM_LAYERS = TEMPLATES / "sam_layers"
ARN = "arn:aws:lambda:us-east-1:123456789012:layer"
PUBLIC = (
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
)


def write(folder: Path, resources: str) -> Path:
    (folder / "layer" / "python").mkdir(parents=True, exist_ok=True)
    path = folder / "template.yaml"
    path.write_text("Resources:\n" + resources)
    return path


def cfn_function(extra: str = "") -> str:
    return (
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      Code: .\n" + extra
    )


CFN_LAYER = (
    "  Lib:\n    Type: AWS::Lambda::LayerVersion\n    Properties:\n"
    "      LayerName: lib\n      Content: layer\n"
)


def test_sam_layers_are_built_with_name_arn_and_content_folder() -> None:
    app = load_application(SAM_LAYERS)
    by_name = {layer.name: layer for layer in app.layers}
    assert sorted(by_name) == ["ExtrasLayer", "common-libs"]
    common = by_name["common-libs"]
    assert common.arn == f"{ARN}:common-libs:1"
    assert common.path == str((SAM_LAYERS / "layers" / "common").resolve())
    assert common.description == "helpers shared by the functions"
    assert common.compatible_runtimes == ("python3.12",)
    # SAM names a layer without LayerName after its logical id.
    assert by_name["ExtrasLayer"].arn == f"{ARN}:ExtrasLayer:1"


def test_sam_function_layers_are_local_folders_in_template_order() -> None:
    app = load_application(SAM_LAYERS)
    layered = next(f for f in app.functions if f.name == "LayeredFunction")
    folders = SAM_LAYERS / "layers"
    assert layered.layers == (
        str((folders / "extras").resolve()),
        str((folders / "common").resolve()),
    )


def test_sam_function_layer_not_in_template_warns_and_is_left_out() -> None:
    app = load_application(SAM_LAYERS)
    (warning,) = [w for w in app.warnings if "layers" in w]
    assert "LayeredFunction" in warning and PUBLIC in warning
    assert "LayerVersion" not in " ".join(app.warnings)  # no "unsupported type" line


def test_sam_ephemeral_storage_sets_tmp_size_default_512() -> None:
    app = load_application(SAM_LAYERS)
    sizes = {f.name: f.ephemeral_storage_mb for f in app.functions}
    assert sizes == {"LayeredFunction": 2048, "PlainFunction": 512}
    plain = next(f for f in app.functions if f.name == "PlainFunction")
    assert plain.layers == ()


def test_cfn_layer_ref_and_get_att_resolve_to_version_arn(tmp_path: Path) -> None:
    write(
        tmp_path,
        CFN_LAYER
        + cfn_function(
            "      Layers: [!Ref Lib]\n"
            "      Environment:\n        Variables:\n          LIB: !GetAtt Lib.LayerVersionArn\n"
        ),
    )
    app = load_application(tmp_path)
    (function,) = app.functions
    assert function.layers == (str((tmp_path / "layer").resolve()),)
    assert function.environment == {"LIB": f"{ARN}:lib:1"}
    assert app.layers == (
        TemplateLayer(logical_id="Lib", name="lib", arn=f"{ARN}:lib:1", path=function.layers[0]),
    )
    assert app.warnings == ()


def test_cfn_layer_permission_is_accepted_without_warning(tmp_path: Path) -> None:
    permission = (
        "  LibUse:\n    Type: AWS::Lambda::LayerVersionPermission\n    Properties:\n"
        "      LayerVersionArn: !Ref Lib\n      Action: lambda:GetLayerVersion\n"
        "      Principal: '*'\n"
    )
    write(tmp_path, CFN_LAYER + permission)
    assert load_application(tmp_path).warnings == ()


def test_cfn_layer_missing_folder_names_it_and_the_resource(tmp_path: Path) -> None:
    write(tmp_path, CFN_LAYER.replace("Content: layer", "Content: nowhere"))
    with pytest.raises(ConfigError, match=r"template.yaml:2: resource Lib: .*nowhere"):
        load_application(tmp_path)


def test_cfn_layer_in_real_s3_cannot_be_fetched(tmp_path: Path) -> None:
    s3 = CFN_LAYER.replace("Content: layer", "Content: {S3Bucket: b, S3Key: k.zip}")
    write(tmp_path, s3)
    with pytest.raises(ConfigError, match=r"s3://b/k.zip cannot be fetched"):
        load_application(tmp_path)


def test_function_with_six_layers_is_refused(tmp_path: Path) -> None:
    arns = ", ".join(f"{PUBLIC[:-1]}{n}" for n in range(6))
    write(tmp_path, cfn_function(f"      Layers: [{arns}]\n"))
    with pytest.raises(ConfigError, match=r"resource Fn: Layers: 6 layers; .* at most 5"):
        load_application(tmp_path)


@pytest.mark.parametrize("size", ["511", "10241", "1000.5", "big"])
def test_ephemeral_storage_outside_lambda_range_is_refused(tmp_path: Path, size: str) -> None:
    write(tmp_path, cfn_function(f"      EphemeralStorage: {{Size: {size}}}\n"))
    with pytest.raises(ConfigError, match="resource Fn: EphemeralStorage"):
        load_application(tmp_path)


def test_ephemeral_storage_without_size_is_refused(tmp_path: Path) -> None:
    write(tmp_path, cfn_function("      EphemeralStorage: 1024\n"))
    with pytest.raises(ConfigError, match="EphemeralStorage must be a mapping with Size"):
        load_application(tmp_path)
