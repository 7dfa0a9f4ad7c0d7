"""The local cloud: AWS services emulated on one machine, on top of moto.

``moto_patches`` is the one place moto is patched (Lambda invocations, Glue job runs, Step
Functions callbacks); ``asl`` renders the state machine templates as Terraform does.
Importing this package does not import moto: the patches import it when they are entered.
"""

from loyalty_maximizer.localcloud.asl import AslTemplateError, asl_placeholders, render_asl
from loyalty_maximizer.localcloud.moto_patches import (
    EXPECTED_MOTO_VERSION,
    GlueJobRun,
    LambdaFunctionError,
    LambdaInvocation,
    LambdaServiceError,
    MotoPatchError,
    fix_step_functions_interpreter,
    route_glue_job_runs,
    route_lambda_invocations,
)

__all__ = [
    "EXPECTED_MOTO_VERSION",
    "AslTemplateError",
    "GlueJobRun",
    "LambdaFunctionError",
    "LambdaInvocation",
    "LambdaServiceError",
    "MotoPatchError",
    "asl_placeholders",
    "fix_step_functions_interpreter",
    "render_asl",
    "route_glue_job_runs",
    "route_lambda_invocations",
]
