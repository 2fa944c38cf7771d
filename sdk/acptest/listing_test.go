package acptest_test

import (
	"context"
	"strconv"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// listingDouble lists the good catalog's items, "cap" and "mug", each as a
// product of its own, at one change token. Its flags break one contract
// each.
type listingDouble struct {
	// oversize puts every product on the first page; repeatAcrossPages
	// lists the previous page's last product again; duplicate lists the
	// mug twice; noVariants adds a product without variants; wrongTitle
	// lists the mug under another title; derivedStatus gives the mug the
	// status in_stock; forgetChanges answers a listing since the current
	// token with an empty whole catalog; unknownIsChange answers any Since
	// with no change.
	oversize, repeatAcrossPages, duplicate, noVariants, wrongTitle, derivedStatus, forgetChanges, unknownIsChange bool
}

// listingToken is the double's change token.
const listingToken = "v1"

func (d *listingDouble) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	if req.PageToken == "" && req.Since != "" {
		switch {
		case req.Since == listingToken && d.forgetChanges:
			return &catalog.ListProductsResponse{ChangeToken: listingToken}, nil
		case req.Since == listingToken || d.unknownIsChange:
			return &catalog.ListProductsResponse{Changes: true, ChangeToken: listingToken}, nil
		}
	}
	resolved, err := goodCatalog(ctx, &catalog.ResolveItemsRequest{Currency: req.Currency, Items: []catalog.ItemRef{{ID: "cap", Quantity: 1}, {ID: "mug", Quantity: 1}}})
	if err != nil {
		return nil, err
	}
	var products []catalog.Product
	for _, it := range resolved.Items {
		v := catalog.Variant{Item: it}
		if it.ID == "mug" && d.wrongTitle {
			v.Item.Title = "Mug!"
		}
		if it.ID == "mug" && d.derivedStatus {
			v.Status = catalog.StatusInStock
		}
		products = append(products, catalog.ItemProduct(v))
	}
	if d.duplicate {
		products = append(products, products[1])
	}
	if d.noVariants {
		products = append(products, catalog.Product{ID: "empty"})
	}
	start, size := 0, req.PageSize
	if req.PageToken != "" {
		if start, err = strconv.Atoi(req.PageToken); err != nil {
			return nil, err
		}
	}
	if d.oversize {
		size = len(products)
	}
	end := min(start+size, len(products))
	resp := &catalog.ListProductsResponse{Products: products[start:end]}
	if d.repeatAcrossPages && start > 0 {
		resp.Products = products[start-1 : end]
	}
	if end < len(products) {
		resp.NextPageToken = strconv.Itoa(end)
	} else {
		resp.ChangeToken = listingToken
	}
	return resp, nil
}

// catalogListingFunc adapts a function to catalog.Listing.
type catalogListingFunc func(context.Context, *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error)

func (f catalogListingFunc) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return f(ctx, req)
}
