"""Shared troposphere blocks: each takes explicit inputs and returns resources, parameters or outputs.

Products compose them; a block never knows which product it is in.
May import: ``products.functions`` (the Lambda code some blocks inline) and this package.
"""
