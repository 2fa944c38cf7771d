package acptest_test

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// listingDouble lists the good catalog's items, "cap" and "mug", each as a
// product of its own, at one change token. Its flags break one contract
// each.
type listingDouble struct {
	// oversize puts every product on the first page; repeatAcrossPages
	// lists the previous page's last product again; earlyToken puts the
	// change token on every page; duplicate lists the mug twice;
	// noVariants adds a product without variants; twinOption gives the
	// mug the option Color twice; wrongTitle lists the mug under another
	// title, wrongTaxCategory with another tax category; derivedStatus
	// gives the mug the status in_stock; removedOnWhole names a removed
	// product on every page of a whole listing; forgetChanges answers a
	// listing since the current token with an empty whole catalog;
	// tokenlessNoChange answers it with no change but no change token;
	// failSince fails it; unknownIsChange answers any Since with no
	// change; retryDiffers answers a page asked twice in a row with the
	// page after it, as a cursor kept by the server would.
	oversize, repeatAcrossPages, earlyToken, duplicate, noVariants, twinOption, wrongTitle, wrongTaxCategory, derivedStatus,
	removedOnWhole, forgetChanges, tokenlessNoChange, failSince, unknownIsChange, retryDiffers bool

	mu       sync.Mutex
	lastPage string // the page token of the last call
}

// listingToken is the double's change token.
const listingToken = "v1"

func (d *listingDouble) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	if req.PageToken == "" && req.Since != "" {
		switch {
		case req.Since == listingToken && d.failSince:
			return nil, errors.New("the listing since a token is broken")
		case req.Since == listingToken && d.forgetChanges:
			return &catalog.ListProductsResponse{ChangeToken: listingToken}, nil
		case req.Since == listingToken && d.tokenlessNoChange:
			return &catalog.ListProductsResponse{Changes: true}, nil
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
		if it.ID == "mug" {
			switch {
			case d.wrongTitle:
				v.Item.Title = "Mug!"
			case d.wrongTaxCategory:
				v.Item.TaxCategory = "reduced"
			case d.derivedStatus:
				v.Status = catalog.StatusInStock
			case d.twinOption:
				v.Options = []catalog.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Color", Value: "Blue"}}
			}
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
	d.mu.Lock()
	if req.PageToken != "" && req.PageToken == d.lastPage && d.retryDiffers {
		start = min(start+size, len(products))
	}
	d.lastPage = req.PageToken
	d.mu.Unlock()
	if d.oversize {
		size = len(products)
	}
	end := min(start+size, len(products))
	resp := &catalog.ListProductsResponse{Products: products[start:end]}
	if d.repeatAcrossPages && start > 0 {
		resp.Products = products[start-1 : end]
	}
	if d.removedOnWhole {
		resp.Removed = []string{"gone"}
	}
	if end < len(products) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	if end == len(products) || d.earlyToken {
		resp.ChangeToken = listingToken
	}
	return resp, nil
}

// catalogListingFunc adapts a function to catalog.Listing.
type catalogListingFunc func(context.Context, *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error)

func (f catalogListingFunc) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return f(ctx, req)
}
