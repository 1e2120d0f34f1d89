"""One runner per step type. A runner takes (step, resolved arguments, context) and returns
(properties, metadata): the Describe-style properties later steps read, and the
metadata ListPipelineExecutionSteps reports for it."""

from pipeline_executor.steps.control import run_fail
from pipeline_executor.steps.models import run_create_model, run_register_model
from pipeline_executor.steps.processing import run_processing
from pipeline_executor.steps.training import run_training
from pipeline_executor.steps.transform import run_transform

RUNNERS = {
    "Processing": run_processing,
    "Training": run_training,
    "Transform": run_transform,
    "RegisterModel": run_register_model,
    "Model": run_create_model,
    "Fail": run_fail,
}
# Condition is evaluated by the executor itself (it decides which steps run next).
