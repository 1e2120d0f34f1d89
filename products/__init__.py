"""The catalog's products, one module per product, and their registry ``PRODUCTS``.

Each product module is a pure function from settings to a template, built from the shared
troposphere blocks of ``products.blocks``. The rest of the house, each package saying in its
``__init__`` what it may import (``tests/test_layout.py`` enforces it):

- ``blocks``: shared troposphere blocks; ``functions``: the Lambda code inlined into templates;
- ``catalog``: the configuration file and the catalog-wide stacks (portfolio, roles, target account);
- ``render``: synth, lint and the generated docs; ``analysis``: templates and IAM read as AWS would;
- ``publishing``: plan, ask once, apply, into AWS accounts; ``local_aws``: moto, extended;
- ``demo``: the whole flow on this machine.

Product modules may import ``products.blocks`` only, and the product module whose flow they extend
(the monitor products, build-train-batch-git, image-build-git).
"""

from products.blocks.product import Product
from products.build_train import PRODUCT as BUILD_TRAIN
from products.build_train_batch import PRODUCT as BUILD_TRAIN_BATCH
from products.build_train_batch_git import PRODUCT as BUILD_TRAIN_BATCH_GIT
from products.build_train_deploy import PRODUCT as BUILD_TRAIN_DEPLOY
from products.build_train_deploy_git import PRODUCT as BUILD_TRAIN_DEPLOY_GIT
from products.build_train_deploy_github import PRODUCT as BUILD_TRAIN_DEPLOY_GITHUB
from products.build_train_deploy_monitor import GIT_PRODUCT as BUILD_TRAIN_DEPLOY_MONITOR_GIT
from products.build_train_deploy_monitor import PRODUCT as BUILD_TRAIN_DEPLOY_MONITOR
from products.build_train_git import PRODUCT as BUILD_TRAIN_GIT
from products.deploy import PRODUCT as DEPLOY
from products.deploy_git import PRODUCT as DEPLOY_GIT
from products.image_build import PRODUCT as IMAGE_BUILD
from products.image_build_git import PRODUCT as IMAGE_BUILD_GIT

# Every flow comes in two flavours: CodeCommit, and third-party Git through CodeConnections; build-train-deploy
# also in a third, run by GitHub Actions.
PRODUCTS: dict[str, Product] = {
    product.name: product
    for product in (BUILD_TRAIN_DEPLOY, BUILD_TRAIN_DEPLOY_GIT, BUILD_TRAIN_DEPLOY_GITHUB, BUILD_TRAIN, BUILD_TRAIN_GIT, DEPLOY, DEPLOY_GIT,
                    BUILD_TRAIN_DEPLOY_MONITOR, BUILD_TRAIN_DEPLOY_MONITOR_GIT, BUILD_TRAIN_BATCH, BUILD_TRAIN_BATCH_GIT,
                    IMAGE_BUILD, IMAGE_BUILD_GIT)
}
