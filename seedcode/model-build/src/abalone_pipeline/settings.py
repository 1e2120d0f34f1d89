"""What the pipeline and the local run share, kept free of SageMaker SDK imports.

(Importing the SDK needs an AWS region and takes seconds; the local run needs neither.)
"""

SKLEARN_VERSION = "1.2-1"
XGBOOST_VERSION = "1.7-1"

# The training step's hyperparameters; the local run trains with exactly these.
HYPERPARAMETERS = {
    "objective": "reg:squarederror",
    "num_round": 50,
    "max_depth": 5,
    "eta": 0.2,
    "gamma": 4,
    "min_child_weight": 6,
    "subsample": 0.7,
    "seed": 42,
}
DEFAULT_MSE_THRESHOLD = 6.0
# A feature whose population stability index between training and production exceeds this drifted.
DEFAULT_DRIFT_THRESHOLD = 0.2

# The model's features in column order, as scripts/preprocess.py writes them (it runs alone in its
# container, so it keeps its own copy; tests/test_preprocess.py checks the two agree).
FEATURE_NAMES = [
    "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight",
    "sex_F", "sex_I", "sex_M",
]
EVALUATION_JSON_PATH = "regression_metrics.mse.value"

CONTENT_TYPES = ["text/csv"]
INFERENCE_INSTANCES = ["ml.t2.medium", "ml.m5.large"]
TRANSFORM_INSTANCES = ["ml.m5.large"]

# Where the Preprocess step's container finds the raw data (its ProcessingInput's LocalPath),
# and the name the data file is uploaded under: an error about that file is about --data.
PREPROCESS_INPUT_DIR = "/opt/ml/processing/input"
INPUT_DATA_FILE = "abalone.data"

# Batch inference (batch_pipeline.py): the input prefix under the project bucket and the
# default of the BatchTime and MonitorTime parameters when a run is started by hand, not by a schedule.
BATCH_INPUT_FOLDER = "batch-input"
BATCH_OUTPUT_FOLDER = "batch-transform"
UNSCHEDULED = "unscheduled"
