"""The catalog's products: troposphere code, one module per product.

Shared building blocks live in ``products.blocks``; the portfolio and roles stacks in
``products.portfolio`` and ``products.roles``.
"""

from products.blocks.product import Product
from products.build_train import PRODUCT as BUILD_TRAIN
from products.build_train_batch import PRODUCT as BUILD_TRAIN_BATCH
from products.build_train_deploy import PRODUCT as BUILD_TRAIN_DEPLOY
from products.build_train_deploy_git import PRODUCT as BUILD_TRAIN_DEPLOY_GIT
from products.build_train_deploy_monitor import GIT_PRODUCT as BUILD_TRAIN_DEPLOY_MONITOR_GIT
from products.build_train_deploy_monitor import PRODUCT as BUILD_TRAIN_DEPLOY_MONITOR
from products.build_train_git import PRODUCT as BUILD_TRAIN_GIT
from products.deploy import PRODUCT as DEPLOY
from products.deploy_git import PRODUCT as DEPLOY_GIT

# The endpoint flows (with or without drift monitoring) come in two flavours: CodeCommit, and third-party Git through CodeConnections.
PRODUCTS: dict[str, Product] = {
    product.name: product
    for product in (BUILD_TRAIN_DEPLOY, BUILD_TRAIN_DEPLOY_GIT, BUILD_TRAIN, BUILD_TRAIN_GIT, DEPLOY, DEPLOY_GIT,
                    BUILD_TRAIN_DEPLOY_MONITOR, BUILD_TRAIN_DEPLOY_MONITOR_GIT, BUILD_TRAIN_BATCH)
}
