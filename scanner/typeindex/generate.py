"""
Generate `scanner/typeindex/index.json.gz` from the SDK models installed with the `[index]` extra.

Azure: each azure-mgmt-* model class gives the REST keys of a resource type, either through
msrest's `_attribute_map` (`{"key": "properties.storageProfile", "type": "StorageProfile"}`)
or, in TypeSpec-generated SDKs, through `rest_field` names and annotations. AWS: botocore's
service models give the describe shapes. ccscan's derived keys (README "Derived keys") are
added by hand below, next to the collector code that adds them.

Run: `python -m scanner.typeindex.generate` (or `--check` to compare with the shipped file).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib
import importlib.metadata
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("index.json.gz")

# Resource type -> (distribution, models module, model class). The built-in packs' and
# collectors' types first, then the common types around them.
AZURE: dict[str, tuple[str, str, str]] = {
    "Microsoft.Compute/virtualMachines": ("azure-mgmt-compute", "azure.mgmt.compute.models", "VirtualMachine"),
    "Microsoft.Compute/disks": ("azure-mgmt-compute", "azure.mgmt.compute.models", "Disk"),
    "Microsoft.Compute/snapshots": ("azure-mgmt-compute", "azure.mgmt.compute.models", "Snapshot"),
    "Microsoft.Compute/diskEncryptionSets": ("azure-mgmt-compute", "azure.mgmt.compute.models", "DiskEncryptionSet"),
    "Microsoft.Compute/virtualMachineScaleSets": ("azure-mgmt-compute", "azure.mgmt.compute.models", "VirtualMachineScaleSet"),
    "Microsoft.Compute/availabilitySets": ("azure-mgmt-compute", "azure.mgmt.compute.models", "AvailabilitySet"),
    "Microsoft.Storage/storageAccounts": ("azure-mgmt-storage", "azure.mgmt.storage.models", "StorageAccount"),
    "Microsoft.Web/sites": ("azure-mgmt-web", "azure.mgmt.web.models", "Site"),
    "Microsoft.Web/sites/config": ("azure-mgmt-web", "azure.mgmt.web.models", "SiteConfigResource"),
    "Microsoft.Web/serverfarms": ("azure-mgmt-web", "azure.mgmt.web.models", "AppServicePlan"),
    "Microsoft.KeyVault/vaults": ("azure-mgmt-keyvault", "azure.mgmt.keyvault.models", "Vault"),
    "Microsoft.KeyVault/managedHSMs": ("azure-mgmt-keyvault", "azure.mgmt.keyvault.models", "ManagedHsm"),
    "Microsoft.CognitiveServices/accounts": ("azure-mgmt-cognitiveservices", "azure.mgmt.cognitiveservices.models", "Account"),
    "Microsoft.CognitiveServices/accounts/deployments": ("azure-mgmt-cognitiveservices", "azure.mgmt.cognitiveservices.models", "Deployment"),
    "Microsoft.CognitiveServices/accounts/privateEndpointConnections": ("azure-mgmt-cognitiveservices", "azure.mgmt.cognitiveservices.models", "PrivateEndpointConnection"),
    "Microsoft.MachineLearningServices/workspaces": ("azure-mgmt-machinelearningservices", "azure.mgmt.machinelearningservices.models", "Workspace"),
    "Microsoft.MachineLearningServices/workspaces/computes": ("azure-mgmt-machinelearningservices", "azure.mgmt.machinelearningservices.models", "ComputeResource"),
    "Microsoft.Network/virtualNetworks": ("azure-mgmt-network", "azure.mgmt.network.models", "VirtualNetwork"),
    "Microsoft.Network/networkSecurityGroups": ("azure-mgmt-network", "azure.mgmt.network.models", "NetworkSecurityGroup"),
    "Microsoft.Network/networkInterfaces": ("azure-mgmt-network", "azure.mgmt.network.models", "NetworkInterface"),
    "Microsoft.Network/publicIPAddresses": ("azure-mgmt-network", "azure.mgmt.network.models", "PublicIPAddress"),
    "Microsoft.Network/privateEndpoints": ("azure-mgmt-network", "azure.mgmt.network.models", "PrivateEndpoint"),
    "Microsoft.Network/privateDnsZoneGroups": ("azure-mgmt-network", "azure.mgmt.network.models", "PrivateDnsZoneGroup"),
    "Microsoft.Network/applicationGateways": ("azure-mgmt-network", "azure.mgmt.network.models", "ApplicationGateway"),
    "Microsoft.Network/loadBalancers": ("azure-mgmt-network", "azure.mgmt.network.models", "LoadBalancer"),
    "Microsoft.Network/azureFirewalls": ("azure-mgmt-network", "azure.mgmt.network.models", "AzureFirewall"),
    "Microsoft.ContainerService/managedClusters": ("azure-mgmt-containerservice", "azure.mgmt.containerservice.models", "ManagedCluster"),
    "Microsoft.ContainerInstance/containerGroups": ("azure-mgmt-containerinstance", "azure.mgmt.containerinstance.models", "ContainerGroup"),
    "Microsoft.Search/searchServices": ("azure-mgmt-search", "azure.mgmt.search.models", "SearchService"),
    "Microsoft.Resources/resourceGroups": ("azure-mgmt-resource", "azure.mgmt.resource.resources.models", "ResourceGroup"),
    "Microsoft.Compute/galleries": ("azure-mgmt-compute", "azure.mgmt.compute.models", "Gallery"),
    "Microsoft.Compute/images": ("azure-mgmt-compute", "azure.mgmt.compute.models", "Image"),
    "Microsoft.Compute/sshPublicKeys": ("azure-mgmt-compute", "azure.mgmt.compute.models", "SshPublicKeyResource"),
    "Microsoft.Compute/virtualMachines/extensions": ("azure-mgmt-compute", "azure.mgmt.compute.models", "VirtualMachineExtension"),
    "Microsoft.Compute/hostGroups": ("azure-mgmt-compute", "azure.mgmt.compute.models", "DedicatedHostGroup"),
    "Microsoft.Compute/capacityReservationGroups": ("azure-mgmt-compute", "azure.mgmt.compute.models", "CapacityReservationGroup"),
    "Microsoft.Storage/storageAccounts/blobServices": ("azure-mgmt-storage", "azure.mgmt.storage.models", "BlobServiceProperties"),
    "Microsoft.Storage/storageAccounts/fileServices": ("azure-mgmt-storage", "azure.mgmt.storage.models", "FileServiceProperties"),
    "Microsoft.Storage/storageAccounts/blobServices/containers": ("azure-mgmt-storage", "azure.mgmt.storage.models", "BlobContainer"),
    "Microsoft.Web/sites/slots": ("azure-mgmt-web", "azure.mgmt.web.models", "Site"),
    "Microsoft.Web/staticSites": ("azure-mgmt-web", "azure.mgmt.web.models", "StaticSiteARMResource"),
    "Microsoft.Web/hostingEnvironments": ("azure-mgmt-web", "azure.mgmt.web.models", "AppServiceEnvironmentResource"),
    "Microsoft.KeyVault/vaults/keys": ("azure-mgmt-keyvault", "azure.mgmt.keyvault.models", "Key"),
    "Microsoft.KeyVault/vaults/secrets": ("azure-mgmt-keyvault", "azure.mgmt.keyvault.models", "Secret"),
    "Microsoft.KeyVault/managedHSMs/keys": ("azure-mgmt-keyvault", "azure.mgmt.keyvault.models", "ManagedHsmKey"),
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": ("azure-mgmt-network", "azure.mgmt.network.models", "PrivateDnsZoneGroup"),
    "Microsoft.CognitiveServices/accounts/raiPolicies": ("azure-mgmt-cognitiveservices", "azure.mgmt.cognitiveservices.models", "RaiPolicy"),
    "Microsoft.Network/routeTables": ("azure-mgmt-network", "azure.mgmt.network.models", "RouteTable"),
    "Microsoft.Network/natGateways": ("azure-mgmt-network", "azure.mgmt.network.models", "NatGateway"),
    "Microsoft.Network/firewallPolicies": ("azure-mgmt-network", "azure.mgmt.network.models", "FirewallPolicy"),
    "Microsoft.Network/bastionHosts": ("azure-mgmt-network", "azure.mgmt.network.models", "BastionHost"),
    "Microsoft.Network/virtualNetworkGateways": ("azure-mgmt-network", "azure.mgmt.network.models", "VirtualNetworkGateway"),
    "Microsoft.Network/privateLinkServices": ("azure-mgmt-network", "azure.mgmt.network.models", "PrivateLinkService"),
    "Microsoft.Network/networkWatchers/flowLogs": ("azure-mgmt-network", "azure.mgmt.network.models", "FlowLog"),
    "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies": ("azure-mgmt-network", "azure.mgmt.network.models", "WebApplicationFirewallPolicy"),
    "Microsoft.Network/virtualNetworks/subnets": ("azure-mgmt-network", "azure.mgmt.network.models", "Subnet"),
    "Microsoft.Network/ddosProtectionPlans": ("azure-mgmt-network", "azure.mgmt.network.models", "DdosProtectionPlan"),
    # azure-mgmt-monitor 7 dropped diagnostic settings; 6.0.2 models the API the collector reads
    "Microsoft.Insights/diagnosticSettings": ("azure-mgmt-monitor", "azure.mgmt.monitor.v2021_05_01_preview.models", "DiagnosticSettingsResource"),
    # The model-transit chain's links (caller -> role assignment -> account -> endpoint -> zone).
    "Microsoft.Network/privateDnsZones": ("azure-mgmt-privatedns", "azure.mgmt.privatedns.models", "PrivateZone"),
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": ("azure-mgmt-privatedns", "azure.mgmt.privatedns.models", "VirtualNetworkLink"),
    "Microsoft.Authorization/roleAssignments": ("azure-mgmt-authorization", "azure.mgmt.authorization.models", "RoleAssignment"),
    # Container Apps as model callers: the app (identity, environment id) and its environment's VNet.
    "Microsoft.App/containerApps": ("azure-mgmt-appcontainers", "azure.mgmt.appcontainers.models", "ContainerApp"),
    "Microsoft.App/managedEnvironments": ("azure-mgmt-appcontainers", "azure.mgmt.appcontainers.models", "ManagedEnvironment"),
}

# CloudFormation type -> (botocore service, shape). The describe shape goes under `properties`.
AWS: dict[str, tuple[str, str]] = {
    "AWS::EC2::Instance": ("ec2", "Instance"),
    "AWS::EC2::Volume": ("ec2", "Volume"),
    "AWS::EC2::VPC": ("ec2", "Vpc"),
    "AWS::EC2::Subnet": ("ec2", "Subnet"),
    "AWS::EC2::SecurityGroup": ("ec2", "SecurityGroup"),
    "AWS::EC2::VPCEndpoint": ("ec2", "VpcEndpoint"),
    "AWS::KMS::Key": ("kms", "KeyMetadata"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("elbv2", "LoadBalancer"),
    "AWS::ElasticLoadBalancingV2::Listener": ("elbv2", "Listener"),
    "AWS::S3::Bucket": ("s3", "Bucket"),
    "AWS::Bedrock::ModelInvocationLoggingConfiguration": ("bedrock", "GetModelInvocationLoggingConfigurationResponse"),
    "AWS::RDS::DBInstance": ("rds", "DBInstance"),
    "AWS::RDS::DBCluster": ("rds", "DBCluster"),
    "AWS::Lambda::Function": ("lambda", "FunctionConfiguration"),
    "AWS::IAM::Role": ("iam", "Role"),
    "AWS::EKS::Cluster": ("eks", "Cluster"),
    "AWS::DynamoDB::Table": ("dynamodb", "TableDescription"),
    "AWS::EFS::FileSystem": ("efs", "FileSystemDescription"),
    "AWS::CloudTrail::Trail": ("cloudtrail", "Trail"),
    "AWS::SageMaker::NotebookInstance": ("sagemaker", "DescribeNotebookInstanceOutput"),
    "AWS::SageMaker::Endpoint": ("sagemaker", "DescribeEndpointOutput"),
    "AWS::SecretsManager::Secret": ("secretsmanager", "DescribeSecretResponse"),
    "AWS::ECS::Cluster": ("ecs", "Cluster"),
    "AWS::ECR::Repository": ("ecr", "Repository"),
    "AWS::CloudFront::Distribution": ("cloudfront", "Distribution"),
    "AWS::ElasticLoadBalancing::LoadBalancer": ("elb", "LoadBalancerDescription"),
    "AWS::OpenSearchService::Domain": ("opensearch", "DomainStatus"),
    "AWS::Redshift::Cluster": ("redshift", "Cluster"),
    "AWS::ElastiCache::CacheCluster": ("elasticache", "CacheCluster"),
    "AWS::EC2::NatGateway": ("ec2", "NatGateway"),
    "AWS::EC2::InternetGateway": ("ec2", "InternetGateway"),
    "AWS::EC2::NetworkInterface": ("ec2", "NetworkInterface"),
    "AWS::EC2::Snapshot": ("ec2", "Snapshot"),
    "AWS::EC2::LaunchTemplate": ("ec2", "LaunchTemplate"),
    "AWS::EC2::TransitGateway": ("ec2", "TransitGateway"),
    "AWS::EC2::FlowLog": ("ec2", "FlowLog"),
    "AWS::IAM::User": ("iam", "User"),
    "AWS::IAM::ManagedPolicy": ("iam", "Policy"),
    "AWS::CertificateManager::Certificate": ("acm", "CertificateDetail"),
    "AWS::SageMaker::Model": ("sagemaker", "DescribeModelOutput"),
    "AWS::SageMaker::Domain": ("sagemaker", "DescribeDomainResponse"),
    "AWS::SageMaker::EndpointConfig": ("sagemaker", "DescribeEndpointConfigOutput"),
    "AWS::Bedrock::Guardrail": ("bedrock", "GetGuardrailResponse"),
    "AWS::Bedrock::Agent": ("bedrock-agent", "Agent"),
    "AWS::Bedrock::KnowledgeBase": ("bedrock-agent", "KnowledgeBase"),
    "AWS::Lambda::Url": ("lambda", "FunctionUrlConfig"),
    "AWS::EKS::Nodegroup": ("eks", "Nodegroup"),
    "AWS::RDS::DBSnapshot": ("rds", "DBSnapshot"),
    "AWS::DocDB::DBCluster": ("docdb", "DBCluster"),
    "AWS::EMR::Cluster": ("emr", "Cluster"),
    "AWS::Logs::LogGroup": ("logs", "LogGroup"),
    "AWS::CloudWatch::Alarm": ("cloudwatch", "MetricAlarm"),
    "AWS::Config::ConfigurationRecorder": ("config", "ConfigurationRecorder"),
    "AWS::GuardDuty::Detector": ("guardduty", "GetDetectorResponse"),
    "AWS::WAFv2::WebACL": ("wafv2", "WebACL"),
    "AWS::ApiGateway::RestApi": ("apigateway", "RestApi"),
    "AWS::StepFunctions::StateMachine": ("stepfunctions", "DescribeStateMachineOutput"),
    "AWS::Kinesis::Stream": ("kinesis", "StreamDescription"),
    "AWS::Glue::Job": ("glue", "Job"),
}

# Keys ccscan's AWS collectors add to `properties` (scanner/collect/aws_resources.py,
# aws_s3.py; README "Derived keys"): name -> a ref, where ("shape", service, name) is a
# botocore shape.
AWS_DERIVED: dict[str, dict[str, Any]] = {
    "AWS::EC2::Volume": {"KmsKeyMetadata": ("shape", "kms", "KeyMetadata")},
    "AWS::KMS::Key": {"KeyRotationEnabled": "b", "RotationPeriodInDays": "i", "Aliases": ["L", "s"],
                      "KeyPolicy": "a", "DecryptGrantsWithAttestation": "i",
                      "DecryptGrantsWithoutAttestation": "i"},
    "AWS::EC2::VPC": {"VpcEndpoints": ["L", ("shape", "ec2", "VpcEndpoint")]},
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {"Listeners": ["L", ("shape", "elbv2", "Listener")]},
    "AWS::S3::Bucket": {"BucketPolicy": "a", "DeniesInsecureTransport": "b", "BucketRegion": "s"},
    "AWS::Bedrock::ModelInvocationLoggingConfiguration": {"LoggingEnabled": "b"},
}

# REST keys newer than the newest SDK on PyPI: azure-mgmt-machinelearningservices 1.0.1 models
# an old workspace API, while the collector reads 2024-10-01 (scanner/collect/azure_types.py).
# From that API version's REST reference; each entry names its path under the type's root.
# Also keys real inventories hold that the SDK models lack (tests/typeindex checks fixtures/):
# sites' REST answers carry `properties.name`; az CLI's flattened VM output puts the VM's
# `resources` (extensions) under `properties` when it is normalised.
AZURE_SUPPLEMENT: dict[str, dict[str, Any]] = {
    "Microsoft.Web/sites": {"properties.name": "s"},
    "Microsoft.Compute/virtualMachines": {"properties.resources": ["L", "a"]},
    "Microsoft.MachineLearningServices/workspaces": {
        "kind": "s",
        "systemData": "a",
        "properties.publicNetworkAccess": "s",
        "properties.v1LegacyMode": "b",
        "properties.enableDataIsolation": "b",
        "properties.systemDatastoresAuthMode": "s",
        "properties.hubResourceId": "s",
        "properties.associatedWorkspaces": ["L", "s"],
        "properties.managedNetwork": "a",
        "properties.serverlessComputeSettings": "a",
        "properties.ipAllowlist": ["L", "s"],
    },
}

# The canonical document around `properties` (DESIGN.md "Resources"); `tags` is an open map.
ENVELOPE: dict[str, Any] = {
    "id": "s", "type": "s", "name": "s", "location": "s", "provider": "s", "account": "s",
    "tags": ["M", "s"],
}

_PRIM = {"str": "s", "bool": "b", "int": "i", "long": "i", "float": "n", "decimal": "n",
         "iso-8601": "t", "rfc-1123": "t", "unix-time": "t", "date": "t", "duration": "s",
         "bytearray": "s", "base64": "s", "object": "a", "time": "t"}


class Builder:
    """Interns shapes (a key -> ref mapping each) and turns model classes into refs."""

    def __init__(self) -> None:
        self.shapes: list[dict[str, Any]] = []
        self.ids: dict[Any, int] = {}

    def intern(self, key: Any, fill: Any) -> int:
        if key in self.ids:
            return self.ids[key]
        self.ids[key] = len(self.shapes)
        self.shapes.append({})
        i = self.ids[key]
        self.shapes[i] = fill()
        return i

    # Azure, msrest style -------------------------------------------------------------
    def msrest_type(self, models: Any, text: str) -> Any:
        if text.startswith("[") and text.endswith("]"):
            return ["L", self.msrest_type(models, text[1:-1])]
        if text.startswith("{") and text.endswith("}"):
            return ["M", self.msrest_type(models, text[1:-1])]
        if text in _PRIM:
            return _PRIM[text]
        cls = getattr(models, text, None)
        if cls is None:
            return "s"  # enums are named by type string only in some SDKs; their values are strings
        return self.azure_class(models, cls)

    def azure_class(self, models: Any, cls: type) -> Any:
        if hasattr(cls, "_attribute_map"):
            return self.intern(("az", cls.__module__, cls.__qualname__), lambda: self._msrest(models, cls))
        if _is_model_base(cls):
            return self.intern(("az", cls.__module__, cls.__qualname__), lambda: self._model_base(models, cls))
        return "a"

    def _msrest(self, models: Any, cls: type) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sub in _family(cls):
            for attr in getattr(sub, "_attribute_map", {}).values():
                parts = [p.replace("\\.", ".") for p in re.split(r"(?<!\\)\.", attr["key"])]
                ref = self.msrest_type(models, attr["type"])
                _put(out, parts, ref)
        return out

    def _model_base(self, models: Any, cls: type) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sub in _family(cls):
            with contextlib.suppress(Exception):  # a model with required arguments still gets its map
                sub()  # model_base fills _attr_to_rest_field on first instantiation
            fields = getattr(sub, "_attr_to_rest_field", {})
            module = sys.modules[sub.__module__]
            hints = typing.get_type_hints(sub, globalns={**vars(module), "_models": models})
            for attr, f in fields.items():
                ref = self.annotation(models, hints.get(attr, Any))
                _put(out, [f._rest_name], ref)
        return out

    def annotation(self, models: Any, ann: Any) -> Any:
        origin = typing.get_origin(ann)
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if origin is typing.Union:
            refs = [self.annotation(models, a) for a in args]
            models_refs = [r for r in refs if isinstance(r, int)]
            return models_refs[0] if models_refs else (refs[0] if len(set(map(str, refs))) == 1 else "a")
        if origin is typing.Literal:
            return "s" if all(isinstance(a, str) for a in args) else "a"
        if origin in (list, tuple, set):
            return ["L", self.annotation(models, args[0]) if args else "a"]
        if origin is dict:
            return ["M", self.annotation(models, args[1]) if len(args) == 2 else "a"]
        if ann is str or (isinstance(ann, type) and issubclass(ann, str)):
            return "s"
        if ann is bool:
            return "b"
        if ann is int:
            return "i"
        if ann is float:
            return "n"
        if isinstance(ann, type) and ann.__name__ in ("datetime", "date", "time"):
            return "t"
        if isinstance(ann, type) and (hasattr(ann, "_attribute_map") or _is_model_base(ann)):
            return self.azure_class(models, ann)
        return "a"

    # AWS ------------------------------------------------------------------------------
    def botocore_shape(self, model: dict, service: str, name: str) -> Any:
        shape = model["shapes"][name]
        kind = shape["type"]
        if kind == "structure":
            return self.intern(("aws", service, name), lambda: {
                m: self.botocore_shape(model, service, spec["shape"])
                for m, spec in shape.get("members", {}).items()
            })
        if kind == "list":
            return ["L", self.botocore_shape(model, service, shape["member"]["shape"])]
        if kind == "map":
            return ["M", self.botocore_shape(model, service, shape["value"]["shape"])]
        return {"string": "s", "blob": "s", "boolean": "b", "integer": "i", "long": "i",
                "float": "n", "double": "n", "timestamp": "t"}.get(kind, "a")


def _is_model_base(cls: type) -> bool:
    return any(b.__name__ == "Model" and b.__module__.endswith("model_base") for b in cls.__mro__)


def _family(cls: type) -> list[type]:
    """The class and its subclasses: a polymorphic model may hold any subclass's fields."""
    out, todo = [], [cls]
    while todo:
        c = todo.pop()
        if c not in out:
            out.append(c)
            todo.extend(c.__subclasses__())
    return out


def _put(tree: dict[str, Any], parts: list[str], ref: Any) -> None:
    for p in parts[:-1]:
        node = tree.get(p)
        if not isinstance(node, dict):
            node = tree[p] = {}
        tree = node
    if isinstance(tree.get(parts[-1]), dict) and isinstance(ref, dict):
        tree[parts[-1]].update(ref)
    else:
        tree[parts[-1]] = ref


def _tree(b: Builder, ref: int, depth: int = 2) -> dict[str, Any]:
    """A copy of a shape with its first levels as nested dicts, so a supplement can add keys."""
    out: dict[str, Any] = {}
    for k, v in b.shapes[ref].items():
        out[k] = _tree(b, v, depth - 1) if isinstance(v, int) and depth > 1 else v
    return out


def _inline(builder: Builder) -> None:
    """Nested dicts left by flattened keys (`properties.storageProfile`) become shapes."""

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            builder.shapes.append({k: fix(v) for k, v in value.items()})
            return len(builder.shapes) - 1
        if isinstance(value, list):
            return [value[0], fix(value[1])]
        return value

    for i in range(len(builder.shapes)):
        builder.shapes[i] = {k: fix(v) for k, v in builder.shapes[i].items()}


def build() -> dict[str, Any]:
    """Return the index document from the installed SDKs (raises ImportError when one is missing)."""
    b = Builder()
    types: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    for rtype, (dist, module, name) in AZURE.items():
        models = importlib.import_module(module)
        inputs[dist] = importlib.metadata.version(dist)
        root = b.azure_class(models, getattr(models, name))
        extra = AZURE_SUPPLEMENT.get(rtype)
        if extra:
            tree = _tree(b, root)
            for path, ref in extra.items():
                _put(tree, path.split("."), ref)
            b.shapes.append(tree)
            root = len(b.shapes) - 1
        types[rtype] = {"provider": "azure", "root": root, "source": f"{dist} {name}"}
    import botocore.loaders

    loader = botocore.loaders.Loader()
    inputs["botocore"] = importlib.metadata.version("botocore")
    service_models: dict[str, dict] = {}

    def service(name: str) -> dict:
        if name not in service_models:
            service_models[name] = loader.load_service_model(name, "service-2")
        return service_models[name]

    def derived(ref: Any) -> Any:
        if isinstance(ref, tuple):
            return b.botocore_shape(service(ref[1]), ref[1], ref[2])
        if isinstance(ref, list):
            return [ref[0], derived(ref[1])]
        return ref

    for rtype, (svc, shape) in AWS.items():
        props = b.botocore_shape(service(svc), svc, shape)
        extra = {k: derived(v) for k, v in AWS_DERIVED.get(rtype, {}).items()}
        if extra:
            b.shapes.append({**b.shapes[props], **extra})
            props = len(b.shapes) - 1
        b.shapes.append({**ENVELOPE, "properties": props})
        types[rtype] = {"provider": "aws", "root": len(b.shapes) - 1,
                        "source": f"botocore {svc} {shape}"}
    _inline(b)
    from scanner.inventory.formats import ARM_ENVELOPE

    # The canonical shape always carries these (the loaders keep the whole ARM envelope,
    # az CLI's and Resource Graph's `resourceGroup` etc. included), whatever the SDK model
    # names; a key the model does not type is left open.
    envelope = {**dict.fromkeys(sorted(ARM_ENVELOPE), "a"), **ENVELOPE,
                "resourceGroup": "s", "subscriptionId": "s", "tenantId": "s", "apiVersion": "s"}
    roots: dict[int, int] = {}
    for t in types.values():
        if t["provider"] == "azure":
            # A copy: the same model may also be nested elsewhere, without the envelope.
            if t["root"] not in roots:
                b.shapes.append({**envelope, **b.shapes[t["root"]]})
                roots[t["root"]] = len(b.shapes) - 1
            t["root"] = roots[t["root"]]
    return {"format": 1, "inputs": dict(sorted(inputs.items())), "types": types,
            "shapes": b.shapes}


def dump(doc: dict[str, Any]) -> bytes:
    """Deterministic gzip bytes (mtime 0) of the compact JSON."""
    text = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    return gzip.compress(text, compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped index differs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = dump(build())
    if args.check:
        same = args.out.read_bytes() == data
        print("index up to date" if same else f"{args.out} differs from the generator output")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
